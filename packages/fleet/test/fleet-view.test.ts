import fc from "fast-check";
import type { StoredBeat, StoredEntry } from "@twostep/fleet/control-plane";
import {
  BeatDigest,
  type BuildRecord,
  buildFleetView,
  buildIdOf,
  DecodeCache,
  emptyRecord,
  type FleetView,
  fleetStatus,
  highestApplied,
  leaseEndOf,
  type MemberRecord,
  type MemberView,
  readerBlockers,
  regressionEvidence,
  StatusMemo,
  twostepRecordFormats,
} from "@twostep/fleet/internal";
import { describe, expect, test } from "vitest";
import type { FleetStatus, MemberStatus } from "@twostep/fleet";
import { heartbeatRecord } from "./support/heartbeat-records.js";

// A coordinator that reads the fleet again reuses what it decoded and built
// before (decoded records by revision, shared applied maps, member views and
// statuses that did not change), and the status groups members: these
// properties check that none of it changes an answer.

const formats = twostepRecordFormats;
const CAPABILITIES = ["c1", "c2", "c3"] as const;
const note = { id: "n", action: "enable-write", actor: "t", reason: "", request: "", at: 0, revisionBefore: 0, blockers: [], blockerCount: 0 };

/** A fleet as the store holds it: entries by key, heartbeats by incarnation, and the clock. */
interface Fleet {
  revision: number;
  beatRevision: number;
  now: number;
  readonly entries: Map<string, StoredEntry>;
  readonly beats: Map<string, StoredBeat>;
  readonly builds: readonly BuildRecord[];
}

const buildArbitrary: fc.Arbitrary<BuildRecord> = fc
  .record({
    reads: fc.tuple(...CAPABILITIES.map(() => fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }))),
    uses: fc.option(fc.subarray([...CAPABILITIES], { minLength: 1 }), { nil: null }),
  })
  .map(({ reads, uses }) => {
    const capabilities: Record<string, BuildRecord["capabilities"][string]> = {};
    CAPABILITIES.forEach((capability, index) => {
      const max = reads[index];
      if (max !== undefined) capabilities[capability] = { reads: { min: 1, max }, writes: { min: 1, max } };
    });
    return { capabilities, uses };
  });

/** A few applied maps that members share, or not: some differ only in a value, a key, or their order. */
const appliedArbitrary = fc.constantFrom<Record<string, number>>(
  {},
  { c1: 1 },
  { c1: 5, c2: 6 },
  { c1: 5, c2: 7 },
  { c2: 6, c1: 5 },
  { c1: 5, c3: 6 },
  { c1: 5, c2: 6, c3: 7 },
  { c2: 100 },
);

const memberArbitrary = fc.record({
  build: fc.nat(3),
  readable: fc.boolean(),
  beat: fc.constantFrom("none", "beat", "tombstone", "unreadable"),
  applied: appliedArbitrary,
  leaseMs: fc.constantFrom(1_000, 15_000),
  beatAgo: fc.integer({ min: 0, max: 30_000 }),
});

type MemberSpec = typeof memberArbitrary extends fc.Arbitrary<infer T> ? T : never;

const mutationArbitrary = fc.oneof(
  fc.record({ kind: fc.constant("time" as const), ms: fc.integer({ min: 0, max: 20_000 }) }),
  fc.record({ kind: fc.constant("beat" as const), member: fc.nat(11), applied: appliedArbitrary }),
  // A heartbeat stored a while ago and read only now, or the tombstone a node leaves as it stops.
  fc.record({ kind: fc.constant("late-beat" as const), member: fc.nat(11), applied: appliedArbitrary, ago: fc.integer({ min: 0, max: 30_000 }) }),
  fc.record({ kind: fc.constant("beat-end" as const), member: fc.nat(11) }),
  fc.record({ kind: fc.constant("leave" as const), member: fc.nat(11) }),
  fc.record({ kind: fc.constant("level" as const), capability: fc.constantFrom(...CAPABILITIES), level: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant("same-revision" as const), member: fc.nat(11) }),
  fc.record({ kind: fc.constant("join" as const), spec: memberArbitrary }),
  fc.record({ kind: fc.constant("beat-gone" as const), member: fc.nat(11) }),
  fc.record({ kind: fc.constant("unreadable-beat" as const), member: fc.nat(11) }),
  fc.record({ kind: fc.constant("orphan" as const), ghost: fc.nat(2) }),
  // A process of another node id that drew the incarnation of a member (heartbeats are found by incarnation first).
  fc.record({ kind: fc.constant("twin" as const), member: fc.nat(11), spec: memberArbitrary }),
  fc.record({ kind: fc.constant("decommission" as const), member: fc.nat(11) }),
  // A build record damaged, or written again.
  fc.record({ kind: fc.constant("build" as const), build: fc.nat(2), readable: fc.boolean() }),
  // The same entries and heartbeats read again as other objects (a control plane that does not cache what it reads).
  fc.record({ kind: fc.constant("copies" as const) }),
  // An entry the read of the fleet leaves out.
  fc.record({ kind: fc.constant("elsewhere" as const) }),
);

const fleetArbitrary = fc.record({
  builds: fc.array(buildArbitrary, { minLength: 1, maxLength: 3 }),
  levels: fc.subarray([...CAPABILITIES]),
  members: fc.array(memberArbitrary, { maxLength: 12 }),
});

const text = new TextEncoder();

function makeFleet(spec: typeof fleetArbitrary extends fc.Arbitrary<infer T> ? T : never): Fleet {
  const fleet: Fleet = { revision: 0, beatRevision: 0, now: 100_000, entries: new Map(), beats: new Map(), builds: spec.builds };
  append(fleet, { kind: "meta" }, formats.encode("meta", { planeId: "p", epoch: 1, createdAt: 0, change: note }, 1));
  for (const build of spec.builds) append(fleet, { kind: "build", buildId: buildIdOf(build) }, formats.encode("build", build, 1));
  for (const capability of spec.levels) setLevel(fleet, capability, 1);
  for (const [index, member] of spec.members.entries()) addMember(fleet, index, member, spec.builds);
  return fleet;
}

function append(fleet: Fleet, key: StoredEntry["key"], value: Uint8Array, tombstone = false): void {
  fleet.entries.set(JSON.stringify(key), { key, value, tombstone, revision: ++fleet.revision, at: fleet.now });
}

function setLevel(fleet: Fleet, capability: string, level: number): void {
  const record = { ...emptyRecord(capability, 1, note), level, everWritten: [level] };
  append(fleet, { kind: "level", capability }, formats.encode("level", record, 1));
}

function beat(fleet: Fleet, nodeId: string, incarnation: string, value: Uint8Array, tombstone: boolean, ago = 0): void {
  fleet.beats.set(`${nodeId} ${incarnation}`, { key: { nodeId, incarnation }, value, tombstone, revision: ++fleet.beatRevision, at: fleet.now - ago });
}

function heartbeat(nodeId: string, incarnation: string, applied: Record<string, number>, leaseMs: number): Uint8Array {
  return formats.encode("heartbeat", heartbeatRecord(nodeId, { incarnation, applied, leaseMs, plane: { id: "p", epoch: 1 } }), 1);
}

function addMember(fleet: Fleet, index: number, spec: MemberSpec, builds: readonly BuildRecord[], incarnation = `${index}`.padStart(8, "0")): void {
  const nodeId = `n${index}`;
  const build = builds[spec.build % builds.length] as BuildRecord;
  const record: MemberRecord = { nodeId, incarnation, service: "s", build: "b", buildId: buildIdOf(build), labels: {}, startedAt: 0, leaseMs: spec.leaseMs };
  append(fleet, { kind: "member", nodeId, incarnation }, spec.readable ? formats.encode("member", record, 1) : text.encode("{"));
  if (spec.beat === "beat") beat(fleet, nodeId, incarnation, heartbeat(nodeId, incarnation, spec.applied, spec.leaseMs), false, spec.beatAgo);
  if (spec.beat === "tombstone") beat(fleet, nodeId, incarnation, new Uint8Array(0), true, spec.beatAgo);
  if (spec.beat === "unreadable") beat(fleet, nodeId, incarnation, text.encode("[]"), false, spec.beatAgo);
}

type Mutation = typeof mutationArbitrary extends fc.Arbitrary<infer T> ? T : never;

function mutate(fleet: Fleet, mutation: Mutation): void {
  const members = [...fleet.entries.values()].filter((entry) => entry.key.kind === "member" && !entry.tombstone);
  switch (mutation.kind) {
    case "time":
      fleet.now += mutation.ms;
      return;
    case "beat":
    case "late-beat":
    case "beat-end": {
      const member = members[mutation.member % Math.max(1, members.length)];
      if (member === undefined || member.key.kind !== "member") return;
      const { nodeId, incarnation } = member.key;
      if (mutation.kind === "beat-end") beat(fleet, nodeId, incarnation, new Uint8Array(0), true);
      else beat(fleet, nodeId, incarnation, heartbeat(nodeId, incarnation, mutation.applied, 15_000), false, mutation.kind === "late-beat" ? mutation.ago : 0);
      return;
    }
    case "leave": {
      const member = members[mutation.member % Math.max(1, members.length)];
      if (member === undefined) return;
      append(fleet, member.key, formats.encode("departure", { reason: "left", buildId: null, writes: {}, change: null }, 1), true);
      return;
    }
    case "level":
      setLevel(fleet, mutation.capability, mutation.level);
      return;
    case "same-revision": {
      // A store that went backwards numbers an entry again: the same revision, other bytes.
      const member = members[mutation.member % Math.max(1, members.length)];
      if (member === undefined) return;
      fleet.entries.set(JSON.stringify(member.key), { ...member, value: text.encode("{}") });
      return;
    }
    case "join":
      addMember(fleet, 100 + fleet.revision, mutation.spec, fleet.builds);
      return;
    case "twin": {
      const member = members[mutation.member % Math.max(1, members.length)];
      if (member === undefined || member.key.kind !== "member") return;
      addMember(fleet, 100 + fleet.revision, mutation.spec, fleet.builds, member.key.incarnation);
      return;
    }
    case "beat-gone":
    case "unreadable-beat": {
      const member = members[mutation.member % Math.max(1, members.length)];
      if (member === undefined || member.key.kind !== "member") return;
      const { nodeId, incarnation } = member.key;
      if (mutation.kind === "beat-gone") fleet.beats.delete(`${nodeId} ${incarnation}`);
      else beat(fleet, nodeId, incarnation, text.encode("[]"), false);
      return;
    }
    case "orphan":
      beat(fleet, `ghost${mutation.ghost}`, "00000000", heartbeat(`ghost${mutation.ghost}`, "00000000", {}, 15_000), false);
      return;
    case "decommission": {
      const member = members[mutation.member % Math.max(1, members.length)];
      if (member === undefined || member.key.kind !== "member") return;
      const { nodeId, incarnation } = member.key;
      append(fleet, { kind: "decommission", nodeId, incarnation }, formats.encode("decommission", { nodeId, incarnation, lastWrites: {}, change: note }, 1));
      return;
    }
    case "build": {
      const build = fleet.builds[mutation.build % fleet.builds.length] as BuildRecord;
      append(fleet, { kind: "build", buildId: buildIdOf(build) }, mutation.readable ? formats.encode("build", build, 1) : text.encode("{"));
      return;
    }
    case "elsewhere":
      // An entry the read of the fleet leaves out (of another scope): the log's position moves, and nothing else.
      fleet.revision++;
      return;
    case "copies": {
      for (const [key, entry] of fleet.entries) fleet.entries.set(key, { ...entry });
      for (const [key, stored] of fleet.beats) fleet.beats.set(key, { ...stored });
      return;
    }
  }
}

function view(fleet: Fleet, cache?: DecodeCache): FleetView {
  const entries = [...fleet.entries.values()].sort((a, b) => a.revision - b.revision);
  const beats = [...fleet.beats.values()];
  return buildFleetView(entries, fleet.revision, beats, fleet.now, { formats, clockMarginMs: 5_000, ...(cache === undefined ? {} : { cache }) });
}

/** Checks `view` against the store itself: each member has the heartbeat of its node id and incarnation, and the orphans are the heartbeats of no incarnation in the log. */
function expectBeatsOfStore(fleet: Fleet, view: FleetView): void {
  for (const member of view.members) expect(member.beat?.revision).toBe(fleet.beats.get(`${member.nodeId} ${member.incarnation}`)?.revision);
  const logged = new Set<string>();
  for (const entry of fleet.entries.values()) if (entry.key.kind === "member") logged.add(`${entry.key.nodeId} ${entry.key.incarnation}`);
  const orphans = [...fleet.beats].filter(([id, stored]) => !logged.has(id) && !stored.tombstone).map(([, stored]) => stored.revision);
  expect(view.orphans.map((orphan) => orphan.revision).sort((a, b) => a - b)).toEqual(orphans.sort((a, b) => a - b));
}

/**
 * Builds the fleet of `spec`, then after each mutation checks that a view
 * built with what earlier views kept is the one built from nothing, and so
 * are its status and what its heartbeats show (both also kept from view to view).
 */
function expectKeptIsFresh(spec: typeof fleetArbitrary extends fc.Arbitrary<infer T> ? T : never, mutations: readonly Mutation[]): void {
  const fleet = makeFleet(spec);
  const cache = new DecodeCache(formats);
  const digest = new BeatDigest();
  const memo = new StatusMemo<MemberStatus>();
  for (const [step, mutation] of [{ kind: "time" as const, ms: 0 }, ...mutations].entries()) {
    mutate(fleet, mutation);
    const kept = view(fleet, cache);
    const fresh = view(fleet);
    expect(kept).toEqual(fresh);
    expectBeatsOfStore(fleet, fresh);
    expect(fleetStatus(kept, [])).toEqual(fleetStatus(fresh, []));
    // Every third view is not shown to the digest and the status memo: the next is patched from a view they did not see.
    if (step % 3 === 2) continue;
    expect(digest.evidence(kept, cache.memory.patchOf(kept))).toEqual(regressionEvidence(fresh));
    expect(digest.highest(kept, cache.memory.patchOf(kept))).toBe(highestApplied(fresh));
    expect(fleetStatus(kept, [], { memo, patch: cache.memory.patchOf(kept) })).toEqual(fleetStatus(fresh, []));
  }
}

describe("a view built again with what earlier views kept", () => {
  test("is the view built from nothing, and so is its status, whatever changed in between", () => {
    fc.assert(fc.property(fleetArbitrary, fc.array(mutationArbitrary, { maxLength: 12 }), expectKeptIsFresh));
  });

  test("is the view built from nothing while mostly heartbeats and the clock change (the last view patched), and so is its status", () => {
    const steadyArbitrary = fc.oneof(
      // The clock may go back (a store's server restarted elsewhere), and past the end of a lease at once.
      { arbitrary: fc.record({ kind: fc.constant("time" as const), ms: fc.integer({ min: -3_000, max: 20_000 }) }), weight: 3 },
      { arbitrary: fc.record({ kind: fc.constant("elsewhere" as const) }), weight: 1 },
      { arbitrary: fc.record({ kind: fc.constant("beat" as const), member: fc.nat(11), applied: appliedArbitrary }), weight: 6 },
      {
        arbitrary: fc.record({
          kind: fc.constant("late-beat" as const),
          member: fc.nat(11),
          applied: appliedArbitrary,
          ago: fc.integer({ min: 0, max: 30_000 }),
        }),
        weight: 2,
      },
      { arbitrary: fc.record({ kind: fc.constant("beat-end" as const), member: fc.nat(11) }), weight: 1 },
      { arbitrary: fc.record({ kind: fc.constant("unreadable-beat" as const), member: fc.nat(11) }), weight: 1 },
      { arbitrary: fc.record({ kind: fc.constant("orphan" as const), ghost: fc.nat(2) }), weight: 1 },
      { arbitrary: fc.record({ kind: fc.constant("twin" as const), member: fc.nat(11), spec: memberArbitrary }), weight: 1 },
      { arbitrary: fc.record({ kind: fc.constant("leave" as const), member: fc.nat(11) }), weight: 1 },
    );
    fc.assert(fc.property(fleetArbitrary, fc.array(steadyArbitrary, { maxLength: 30 }), expectKeptIsFresh), { numRuns: 400 });
  });

  test("shares equal applied maps, and reuses the member views that did not change and, when only heartbeats did, the rest of the last view", () => {
    const fleet = makeFleet({
      builds: [{ capabilities: { c1: { reads: { min: 1, max: 2 } } }, uses: null }],
      levels: ["c1"],
      members: [0, 1, 2].map(() => ({ build: 0, readable: true, beat: "beat", applied: { c1: 5 }, leaseMs: 15_000, beatAgo: 0 })),
    });
    const cache = new DecodeCache(formats);
    const first = view(fleet, cache);
    const [a, b, c] = first.members;
    expect(a?.beat?.record?.applied).toBe(b?.beat?.record?.applied);
    mutate(fleet, { kind: "beat", member: 1, applied: { c1: 6 } });
    const second = view(fleet, cache);
    expect(second.members[0]).toBe(a);
    expect(second.members[2]).toBe(c);
    expect(second.members[1]).not.toBe(b);
    expect(second.members[1]?.beat?.record?.applied).toEqual({ c1: 6 });
    // Only a heartbeat changed: the rest of the last view is the same objects.
    expect(second.levels).toBe(first.levels);
    expect(second.unreadable).toBe(first.unreadable);
    expect(second.departed).toBe(first.departed);
  });
});

describe("a long-running view", () => {
  test("is built in full again after as many patches as members (and a few), even when heartbeats keep arriving expired", () => {
    // Heartbeats read long after they were stored end no state: time alone would never make a full view, and
    // what patches decode is swept only by one.
    const fleet = makeFleet({
      builds: [{ capabilities: { c1: { reads: { min: 1, max: 1 } } }, uses: null }],
      levels: ["c1"],
      members: [0, 1].map(() => ({ build: 0, readable: true, beat: "beat", applied: { c1: 1 }, leaseMs: 1_000, beatAgo: 60_000 })),
    });
    const cache = new DecodeCache(formats);
    let before = view(fleet, cache);
    let full = 0;
    for (let step = 0; step < 200; step++) {
      mutate(fleet, { kind: "late-beat", member: step, applied: { c1: step }, ago: 60_000 });
      const next = view(fleet, cache);
      expect(next.members.map((member) => member.state)).toEqual(["expired", "expired"]);
      if (next.levels !== before.levels) full++;
      before = next;
    }
    expect(full).toBeGreaterThanOrEqual(2);
    expect(full).toBeLessThanOrEqual(4);
  });
});

describe("the lease of a member", () => {
  test("ends its lease after its last heartbeat, or after it registered, and its state follows from that end and the clock margin", () => {
    fc.assert(
      fc.property(fleetArbitrary, (spec) => {
        const fleetView = view(makeFleet(spec));
        for (const member of fleetView.members) {
          const end = leaseEndOf(member);
          expect(end).toBe((member.beat?.at ?? member.registeredAt) + member.leaseMs);
          const expected =
            member.beat?.tombstone === true
              ? "expired"
              : member.beat === null
                ? fleetView.now <= end + 5_000
                  ? "starting"
                  : "expired"
                : fleetView.now <= end
                  ? "live"
                  : fleetView.now <= end + 5_000
                    ? "stale"
                    : "expired";
          expect(member.state).toBe(expected);
        }
      }),
    );
  });
});

describe("the status of a fleet", () => {
  test("groups members and finds the same readers, blockers and convergence as looking at each member", () => {
    fc.assert(
      fc.property(fleetArbitrary, (spec) => {
        const fleetView = view(makeFleet(spec));
        const status = fleetStatus(fleetView, []);
        for (const capability of status.capabilities) expect(capability).toEqual(memberByMember(capability.capability, fleetView, status));
      }),
    );
  });
});

/** A capability's status worked out member by member, as the status once was: the reference the grouped one is held to. */
function memberByMember(capability: string, fleetView: FleetView, status: FleetStatus): FleetStatus["capabilities"][number] {
  const found = status.capabilities.find((entry) => entry.capability === capability);
  if (found === undefined) throw new Error(`no status of ${capability}`);
  const takesPart = (build: BuildRecord) => build.uses === null || build.uses.includes(capability) || capability === "twostep.records";
  const taking: MemberView[] = fleetView.members.filter((member) => member.build === null || takesPart(member.build));
  const stored = fleetView.levels.get(capability);
  const record = stored?.record ?? null;
  const revision = stored?.revision ?? 0;
  const waiting: FleetStatus["capabilities"][number]["convergence"]["waiting"][number][] = [];
  let of = 0;
  for (const member of taking) {
    if (member.build !== null && member.build.capabilities[capability] === undefined) continue;
    of++;
    const applied = member.beat?.record?.applied[capability] ?? 0;
    if (record === null || (member.state === "live" && applied >= revision)) continue;
    waiting.push({ nodeId: member.nodeId, incarnation: member.incarnation, state: member.state, lastSeen: member.beat?.at ?? null, applied });
  }
  return {
    ...found,
    blockers: found.next === null ? [] : readerBlockers(capability, [found.next], taking),
    convergence: { applied: of - waiting.length, of, waiting },
  };
}
