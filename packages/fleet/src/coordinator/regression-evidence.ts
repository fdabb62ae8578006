import { missingRevisions, reportedRegression, type StoredLevelState } from "../records/reported-regression.js";
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
  for (const member of view.members) {
    const beat = member.beat?.record;
    if (beat === undefined || beat === null) continue;
    const found = reportedRegression(member, beat, meta, missingOf);
    if (found.length > 0) evidence.push(...found);
  }
  return evidence;
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
  for (const member of view.members) {
    const beat = member.beat?.record;
    if (beat?.plane === undefined || beat.plane === null || meta === undefined || meta === null) continue;
    if (beat.plane.id !== meta.planeId || beat.plane.epoch !== meta.epoch) continue;
    if (seen.has(beat.applied)) continue;
    seen.add(beat.applied);
    for (const revision of Object.values(beat.applied)) highest = Math.max(highest, revision);
  }
  return highest;
}
