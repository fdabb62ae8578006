// The dashboard's summary of the fleet against the members it sums up: the
// page draws from the summary alone, so everything it shows (counts per
// state and build, labels, fenced members, and readers per level in every
// grouping, counted by the page's own code) must equal what the members say.
import { type FleetSummaryJson, fleetSummaryJson, SUMMARY_NAMES } from "@twostep/cli";
import type { Blocker, CapabilityStatus, FleetStatus, LevelRange, MemberStatus } from "@twostep/fleet";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { addBlockedFleet } from "../support/dashboard.js";
import { ORDERS, useFleets } from "../support/memory-fleet.js";

/** The page's readiness module (`dashboard-page/readiness.js`), which it counts readers with. */
interface Readiness {
  groupsOf(summary: FleetSummaryJson, capability: string, grouping: string): Map<string, { members: number }>;
  readersIn(group: { members: number }, level: number): number;
}
const readinessModule = new URL("../../dashboard-page/readiness.js", import.meta.url).href;
const readiness = (await import(readinessModule)) as Readiness;

/** `constructor` is a name every object inherits: only members whose builds declare it take part in it. */
const CAPABILITIES = ["orders.OrderPlaced", "billing.Invoice", "twostep.records", "constructor"];
const LEVELS = [1, 2, 3, 4];

/** A few capabilities objects, shared by the members of a build as the coordinator shares them; equal copies stand for other builds. */
const supportArbitrary = fc.dictionary(
  fc.constantFrom(...CAPABILITIES),
  fc
    .tuple(fc.constantFrom(...LEVELS), fc.constantFrom(...LEVELS))
    .map(([a, b]): { reads: LevelRange } => ({ reads: { min: Math.min(a, b), max: Math.max(a, b) } })),
);

const memberArbitrary = (pool: readonly MemberStatus["capabilities"][]) =>
  fc.record({
    // `n-01` and `n-1`, `orders@1.01` and `orders@1.1` are equal in natural order: their order must not depend on the members'.
    nodeId: fc.constantFrom("n-1", "n-01", "n-2", "n-10", "n-11", "n-3", "m-1", "m-20"),
    incarnation: fc.string({ minLength: 1, maxLength: 4 }),
    service: fc.constantFrom("orders", "billing"),
    build: fc.constantFrom("orders@1.01", "orders@1.1", "orders@2.0.0", "billing@1.0.0"),
    labels: fc.dictionary(fc.constantFrom("zone", "tier", "10", "2"), fc.constantFrom("a", "b", "c"), { maxKeys: 3 }),
    state: fc.constantFrom("starting", "live", "stale", "expired"),
    lastSeen: fc.option(fc.nat(), { nil: null }),
    registeredAt: fc.nat(),
    fenced: fc.option(fc.constantFrom("its lease ended", "fenced by decommission"), { nil: null }),
    applied: fc.dictionary(fc.constantFrom(...CAPABILITIES), fc.nat(20)),
    capabilities: fc.oneof(
      fc.constantFrom(...pool),
      fc.constantFrom(...pool).map((shared) => structuredClone(shared)),
    ),
    problem: fc.constant(null),
  }) as fc.Arbitrary<MemberStatus>;

/** A capability whose next level some members block (for a reason among a few) and whose record some members have not applied. */
const capabilityOf = (members: readonly MemberStatus[]) =>
  fc
    .tuple(
      fc.array(fc.tuple(fc.nat(members.length), fc.constantFrom("no-reader", "not-applied", "stale")), { maxLength: members.length }),
      fc.subarray([...members.keys()]),
    )
    .map(([blocking, waiting]): CapabilityStatus => {
      const blockers = blocking
        .filter(([index]) => index < members.length)
        .map(([index, reason]) => {
          const member = members[index] as MemberStatus;
          return {
            nodeId: member.nodeId,
            incarnation: member.incarnation,
            service: member.service,
            build: member.build,
            reason,
            level: 2,
            lastSeen: member.lastSeen,
          };
        });
      return {
        capability: "orders.OrderPlaced",
        record: null,
        revision: 4,
        problem: null,
        required: [1],
        readers: {},
        participants: members.length,
        convergence: {
          applied: members.length - waiting.length,
          of: members.length,
          waiting: waiting.map((index) => {
            const member = members[index] as MemberStatus;
            return { nodeId: member.nodeId, incarnation: member.incarnation, state: member.state, lastSeen: member.lastSeen, applied: 3 };
          }),
        },
        drainWindowMs: 3_600_000,
        next: 2,
        blockers,
      } as unknown as CapabilityStatus;
    });

const fleetArbitrary = fc
  .array(supportArbitrary, { minLength: 1, maxLength: 4 })
  .chain((pool) => fc.array(memberArbitrary(pool), { maxLength: 40 }))
  .chain((members) => capabilityOf(members).map((capability) => ({ members, capability })))
  .map(
    ({ members, capability }): FleetStatus => ({
      at: 1_000,
      plane: { id: "plane", epoch: 1, mode: "direct", regressed: [], unreadable: [] },
      memberCount: members.length,
      capabilities: [capability],
      members,
    }),
  );

const naturally = new Intl.Collator("en", { numeric: true });
const newFleet = useFleets();

/** The group a member is in by `grouping`, as the page names it. */
function groupOf(member: MemberStatus, grouping: string): string {
  if (grouping === "service") return member.service;
  if (grouping.startsWith("label:")) {
    const name = grouping.slice("label:".length);
    return Object.hasOwn(member.labels, name) ? `${name}=${member.labels[name]}` : `no ${name} label`;
  }
  return `${member.build} (${member.service})`;
}

/** Per group, members taking part in `capability` and those of them that read `level`, counted member by member. */
function readersByMember(members: readonly MemberStatus[], capability: string, grouping: string, level: number): Map<string, [number, number]> {
  const groups = new Map<string, [number, number]>();
  for (const member of members) {
    if (!Object.hasOwn(member.capabilities, capability)) continue;
    const reads = (member.capabilities[capability] as { reads: LevelRange }).reads;
    const [all, readers] = groups.get(groupOf(member, grouping)) ?? [0, 0];
    groups.set(groupOf(member, grouping), [all + 1, readers + (reads.min <= level && level <= reads.max ? 1 : 0)]);
  }
  return groups;
}

/** The summary as the feed compares it: everything but its time. */
const timeless = (summary: FleetSummaryJson) => JSON.stringify({ ...summary, at: 0 });

describe("fleetSummaryJson", () => {
  test("says what the members say: counts per state and build, labels, fenced members, and readers per level in every grouping", () => {
    fc.assert(
      fc.property(fleetArbitrary, (status) => {
        const summary = fleetSummaryJson(status);
        const members = status.members;
        const count = (keep: (member: MemberStatus) => boolean) => members.filter(keep).length;
        expect(summary.memberCount).toBe(members.length);
        expect(summary.cohorts.reduce((sum, cohort) => sum + cohort.members, 0)).toBe(members.length);
        for (const state of ["starting", "live", "stale", "expired"] as const) {
          expect(summary.states[state]).toBe(count((member) => member.state === state));
          for (const group of summary.groups)
            expect(group[state]).toBe(count((member) => member.state === state && member.service === group.service && member.build === group.build));
        }
        expect(new Set(summary.groups.map((group) => JSON.stringify([group.service, group.build]))).size).toBe(
          new Set(members.map((member) => JSON.stringify([member.service, member.build]))).size,
        );
        expect(summary.labels).toEqual([...new Set(members.flatMap((member) => Object.keys(member.labels)))].sort(naturally.compare));
        const fenced = members.filter((member) => member.fenced !== null);
        expect(summary.fenced.count).toBe(fenced.length);
        const ids = [...new Set(fenced.map((member) => member.nodeId))].sort((a, b) => naturally.compare(a, b) || (a < b ? -1 : 1));
        expect(summary.fenced.nodeIds).toEqual(ids.slice(0, SUMMARY_NAMES));
        expect(summary.fenced.nodes).toBe(ids.length);
        // Blockers and waiting members are counted in full.
        const [entry] = summary.capabilities;
        const [source] = status.capabilities;
        expect(entry?.blockerCount).toBe(source?.blockers.length);
        expect(entry?.blockerGroups.reduce((sum, group) => sum + group.count, 0)).toBe(
          new Set(source?.blockers.map((blocker) => JSON.stringify([blocker.reason, blocker.service, blocker.build, blocker.nodeId]))).size,
        );
        expect(entry?.convergence.waitingCount).toBe(source?.convergence.waiting.length);
        // Nothing to act on (its record is none, readable): nobody blocks, and no live member is waited on (one that is not live is named once for every capability).
        const liveWaitedOn = source?.convergence.waiting.filter((member) => member.state === "live").length;
        expect(entry?.quiet).toBe(source?.blockers.length === 0 && liveWaitedOn === 0);
        for (const grouping of ["build", "service", ...summary.labels.map((name) => `label:${name}`)])
          for (const capability of CAPABILITIES) {
            // The summary of one capability counts its readers as the whole one does, and holds no other capability.
            const one = fleetSummaryJson(status, capability);
            expect(one.reads.every((set) => Object.keys(set).every((name) => name === capability))).toBe(true);
            for (const level of LEVELS) {
              const expected = readersByMember(members, capability, grouping, level);
              for (const each of [summary, one]) {
                const byPage = readiness.groupsOf(each, capability, grouping);
                const shown = new Map([...byPage].map(([name, group]) => [name, [group.members, readiness.readersIn(group, level)]]));
                expect(shown).toEqual(expected);
              }
            }
          }
      }),
      { numRuns: 300 },
    );
  });

  test("grows with the kinds of members, not their number, and stays the same through heartbeats and in any order", () => {
    fc.assert(
      fc.property(fleetArbitrary, fc.nat(), (status, seed) => {
        const summary = fleetSummaryJson(status);
        const kinds = new Set(
          status.members.map((member) =>
            JSON.stringify([member.service, member.build, Object.entries(member.labels).sort(), JSON.stringify(Object.entries(member.capabilities).sort())]),
          ),
        );
        expect(summary.cohorts.length).toBe(kinds.size);
        // Heartbeats change when members were seen and what they applied (a live blocker's lastSeen too); reordering is what a new read may do.
        const shuffle = <T>(items: readonly T[]) =>
          [...items]
            .map((item, index) => ({ item, order: (index * 7919 + seed) % 104_729 }))
            .sort((a, b) => a.order - b.order)
            .map(({ item }) => item);
        const shuffled = shuffle(status.members).map((member) => ({ ...member, lastSeen: (member.lastSeen ?? 0) + 1, applied: {} }));
        // The coordinator's lists of blockers and of members waiting come in its members' order.
        const capabilities = status.capabilities.map((entry) => ({
          ...entry,
          // A stale blocker does not beat; the others do.
          blockers: shuffle(entry.blockers).map((blocker) => (blocker.reason === "stale" ? blocker : { ...blocker, lastSeen: (blocker.lastSeen ?? 0) + 1 })),
          convergence: { ...entry.convergence, waiting: shuffle(entry.convergence.waiting) },
        }));
        expect(timeless(fleetSummaryJson({ ...status, at: 2_000, members: shuffled, capabilities }))).toBe(timeless(summary));
      }),
      { numRuns: 300 },
    );
  });

  test("a fleet with a live blocker: its heartbeats leave the summary as it was", async () => {
    const fleet = await addBlockedFleet(newFleet());
    const coordinator = fleet.coordinator();
    const before = fleetSummaryJson(await coordinator.status());
    expect(before.capabilities.find((entry) => entry.capability === ORDERS)?.blockerCount).toBe(1);
    for (let beat = 0; beat < 3; beat++) {
      await fleet.advance(1_000);
      await fleet.heartbeat();
    }
    const after = fleetSummaryJson(await coordinator.status());
    expect(after.at).toBeGreaterThan(before.at);
    expect(timeless(after)).toBe(timeless(before));
  });

  test("names the first blockers and waiting members of a capability and counts them all", () => {
    const blockers: Blocker[] = Array.from({ length: 30 }, (_, index) => ({
      nodeId: `old-${index + 1}`,
      incarnation: "i",
      service: "orders",
      build: "orders@1.4.0",
      reason: "no-reader",
      level: 2,
      lastSeen: 500 + index,
    })) as Blocker[];
    const waiting = blockers.map(({ nodeId, lastSeen }) => ({ nodeId, incarnation: "i", state: "live" as const, lastSeen, applied: 3 }));
    const stale = ["gone-2", "gone-1", "gone-3"].map(
      (nodeId, index) => ({ ...blockers[0], nodeId, build: "orders@1.0.0", reason: "stale", lastSeen: 100 + index }) as Blocker,
    );
    const capability = {
      capability: "orders.OrderPlaced",
      record: null,
      revision: 4,
      problem: null,
      required: [1],
      readers: { "1": 30 },
      participants: 30,
      convergence: { applied: 0, of: 30, waiting },
      drainWindowMs: 3_600_000,
      next: 2,
      // Three stale blockers of another build come first: the larger group is shown first all the same.
      blockers: [...stale, ...blockers],
    } as unknown as CapabilityStatus;
    const status: FleetStatus = {
      at: 1_000,
      plane: { id: "plane", epoch: 1, mode: "direct", regressed: [], unreadable: [] },
      memberCount: 0,
      capabilities: [capability],
      members: [],
    };
    const [entry] = fleetSummaryJson(status).capabilities;
    expect(entry?.blockerCount).toBe(33);
    expect(entry?.readyForNext).toBe(false);
    expect(entry?.blockerGroups).toEqual([
      {
        reason: "no-reader",
        level: 2,
        service: "orders",
        build: "orders@1.4.0",
        nodeIds: blockers
          .map((blocker) => blocker.nodeId)
          .sort(naturally.compare)
          .slice(0, SUMMARY_NAMES),
        count: 30,
        // These blockers beat: when each was last seen would change the summary at every heartbeat.
        lastSeen: null,
      },
      // Stale blockers do not beat: the oldest heartbeat among them is kept.
      { reason: "stale", level: 2, service: "orders", build: "orders@1.0.0", nodeIds: ["gone-1", "gone-2", "gone-3"], count: 3, lastSeen: 100 },
    ]);
    expect(entry?.convergence).toEqual({ applied: 0, of: 30, waiting: waiting.slice(0, SUMMARY_NAMES), waitingCount: 30 });
  });
});
