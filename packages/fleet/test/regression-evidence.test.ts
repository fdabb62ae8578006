import type { StoredBeat, StoredEntry } from "@twostep/fleet/control-plane";
import {
  buildFleetView,
  buildIdOf,
  emptyRecord,
  type FleetView,
  highestApplied,
  missingRevisions,
  regressionEvidence,
  reportedRegression,
  twostepRecordFormats as formats,
} from "@twostep/fleet/internal";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { heartbeatRecord } from "./support/heartbeat-records.js";

// What members report of a store that went backwards is judged once per
// run of members that report the same plane and applied map (mostly one
// object each, shared by the decode cache). This property holds those
// shortcuts to the rule applied to every member, one by one.

const note = { id: "n", action: "enable-write", actor: "t", reason: "", request: "", at: 0, revisionBefore: 0, blockers: [], blockerCount: 0 };
const build = { capabilities: { c1: { reads: { min: 1, max: 2 } } }, uses: null };
/** Planes a heartbeat may name: none, the store's (p1 at epoch 2), an earlier or a later epoch of it, another plane. */
const planes = [null, { id: "p1", epoch: 2 }, { id: "p1", epoch: 1 }, { id: "p1", epoch: 3 }, { id: "p2", epoch: 2 }];
/** Applied maps: the store holds c1 at revision 3 and c2 at 4; revision 6 of c1 and anything of c3 it may not hold. */
const maps = [{}, { c1: 3 }, { c1: 3, c2: 4 }, { c1: 6 }, { c1: 3, c3: 5 }, { c2: 4, c1: 3 }];

const memberArbitrary = fc.record({
  plane: fc.nat(planes.length - 1),
  applied: fc.nat(maps.length - 1),
  regressed: fc.option(fc.constant("it lost a record"), { nil: null, freq: 4 }),
  registered: fc.boolean(),
});

type MemberSpec = typeof memberArbitrary extends fc.Arbitrary<infer T> ? T : never;

function view(withMeta: boolean, members: readonly MemberSpec[]): FleetView {
  const entries: StoredEntry[] = [];
  const append = (key: StoredEntry["key"], value: Uint8Array) => entries.push({ key, value, tombstone: false, revision: entries.length + 1, at: 0 });
  append({ kind: "build", buildId: buildIdOf(build) }, formats.encode("build", build, 1));
  if (withMeta) append({ kind: "meta" }, formats.encode("meta", { planeId: "p1", epoch: 2, createdAt: 0, change: note }, 1));
  else append({ kind: "level", capability: "c0" }, formats.encode("level", { ...emptyRecord("c0", 1, note), level: 1, everWritten: [1] }, 1));
  for (const capability of ["c1", "c2"]) {
    append({ kind: "level", capability }, formats.encode("level", { ...emptyRecord(capability, 2, note), level: 1, everWritten: [1] }, 1));
  }
  const beats: StoredBeat[] = [];
  members.forEach((spec, index) => {
    const nodeId = `n${index}`;
    const incarnation = "0000000000000001";
    if (spec.registered) {
      const member = { nodeId, incarnation, service: "s", build: "b", buildId: buildIdOf(build), labels: {}, startedAt: 0, leaseMs: 60_000 };
      append({ kind: "member", nodeId, incarnation }, formats.encode("member", member, 1));
    }
    const beat = heartbeatRecord(nodeId, {
      incarnation,
      leaseMs: 60_000,
      plane: planes[spec.plane] ?? null,
      applied: maps[spec.applied] ?? {},
      regressed: spec.regressed,
    });
    beats.push({ key: { nodeId, incarnation }, value: formats.encode("heartbeat", beat, 1), tombstone: false, revision: index + 1, at: 0 });
  });
  return buildFleetView(entries, entries.length + 20, beats, 1_000, { formats, clockMarginMs: 5_000 });
}

/** The rule, member by member: no report skipped, no map looked at once for many. */
function everyReport(fleet: FleetView): string[] {
  const meta = fleet.meta?.value ?? null;
  const evidence: string[] = [];
  for (const orphan of fleet.orphans) {
    if (orphan.record?.plane) evidence.push(`${orphan.nodeId}@${orphan.incarnation.slice(0, 8)} heartbeats, but the store has no member record of it`);
  }
  const stored = (capability: string) => {
    const level = fleet.levels.get(capability);
    return level === undefined ? undefined : { revision: level.revision, epoch: level.record?.epoch ?? null };
  };
  for (const member of fleet.members) {
    const beat = member.beat?.record;
    if (!beat) continue;
    evidence.push(...reportedRegression(member, beat, meta, (applied, epoch) => missingRevisions(applied, epoch, stored, fleet.position)));
  }
  return evidence;
}

function everyRevision(fleet: FleetView): number {
  const meta = fleet.meta?.value;
  let highest = 0;
  for (const member of fleet.members) {
    const plane = member.beat?.record?.plane;
    if (!plane || !meta || plane.id !== meta.planeId || plane.epoch !== meta.epoch) continue;
    highest = Math.max(highest, ...Object.values(member.beat?.record?.applied ?? {}));
  }
  return highest;
}

describe("what members report of a store gone backwards", () => {
  test("is the rule applied to every member, and so is the highest revision they applied", () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(memberArbitrary, { maxLength: 10 }), (withMeta, members) => {
        const fleet = view(withMeta, members);
        expect(regressionEvidence(fleet)).toEqual(everyReport(fleet));
        expect(highestApplied(fleet)).toBe(everyRevision(fleet));
      }),
      { numRuns: 2_000 },
    );
  });
});
