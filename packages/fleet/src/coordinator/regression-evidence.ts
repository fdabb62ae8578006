import { missingRevisions, reportedRegression, type StoredLevelState } from "../records/reported-regression.js";
import type { HeartbeatRecord } from "../records/heartbeat-record.js";
import type { FleetView } from "./fleet-view.js";

/**
 * What shows that the store went backwards, from what members report (by
 * {@link reportedRegression}, in a view complete past the revisions judged,
 * so a lagging read is not mistaken for it) and from live heartbeats of
 * incarnations the store has no member record of. Empty when nothing does.
 */
export function regressionEvidence(view: FleetView): string[] {
  const evidence: string[] = [];
  const meta = view.meta?.value ?? null;
  const missingByMap = new Map<Readonly<Record<string, number>>, readonly string[]>();
  for (const orphan of view.orphans) {
    // A live heartbeat of an incarnation the log does not know: registered on a store that has since lost it.
    if (orphan.record?.plane !== null && orphan.record?.plane !== undefined) {
      evidence.push(`${orphan.nodeId}@${orphan.incarnation.slice(0, 8)} heartbeats, but the store has no member record of it`);
    }
  }
  // Equal applied maps are mostly one object (see DecodeCache): each is looked at once.
  const missingOf = (applied: Readonly<Record<string, number>>, epoch: number): readonly string[] => {
    let missing = missingByMap.get(applied);
    if (missing === undefined) {
      missing = missingRevisions(applied, epoch, (capability) => storedLevel(view, capability), view.position);
      missingByMap.set(applied, missing);
    }
    return missing;
  };
  // A report of the last one's plane and applied map (mostly one object, see DecodeCache), when that showed nothing, shows nothing either.
  let clear: HeartbeatRecord | undefined;
  for (const member of view.members) {
    const beat = member.beat?.record;
    if (beat === undefined || beat === null) continue;
    if (clear !== undefined && beat.regressed === null && beat.applied === clear.applied && samePlane(beat.plane, clear.plane)) continue;
    const found = reportedRegression(member, beat, meta, missingOf);
    if (found.length > 0) evidence.push(...found);
    else clear = beat;
  }
  return evidence;
}

/** True when two heartbeats name one control plane and epoch (or none). */
function samePlane(a: HeartbeatRecord["plane"], b: HeartbeatRecord["plane"]): boolean {
  return a === b || (a !== null && b !== null && a.id === b.id && a.epoch === b.epoch);
}

/** The level record of `capability` in the view, as the regression rule judges it. */
function storedLevel(view: FleetView, capability: string): StoredLevelState | undefined {
  const level = view.levels.get(capability);
  return level === undefined ? undefined : { revision: level.revision, epoch: level.record?.epoch ?? null };
}

/** The highest record revision any member of the store's epoch reports having applied: a view must reach it to judge. */
export function highestApplied(view: FleetView): number {
  const meta = view.meta?.value;
  let highest = 0;
  const seen = new Set<Readonly<Record<string, number>>>();
  let last: Readonly<Record<string, number>> | undefined;
  for (const member of view.members) {
    const beat = member.beat?.record;
    // Heartbeats read in a row mostly share one map (see DecodeCache): a map just looked at needs no lookup.
    if (beat === undefined || beat === null || beat.applied === last) continue;
    if (beat.plane === null || meta === undefined || meta === null) continue;
    if (beat.plane.id !== meta.planeId || beat.plane.epoch !== meta.epoch) continue;
    last = beat.applied;
    if (seen.has(beat.applied)) continue;
    seen.add(beat.applied);
    for (const revision of Object.values(beat.applied)) highest = Math.max(highest, revision);
  }
  return highest;
}
