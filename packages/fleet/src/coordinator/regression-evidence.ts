import type { FleetView } from "./fleet-view.js";

/**
 * What shows that the store went backwards, from what members report: a
 * node that says so itself, follows another control plane or a later epoch,
 * or applied a record revision the store does not have (in a view complete
 * past that revision, so a lagging read is not mistaken for it). Empty when
 * nothing does.
 */
export function regressionEvidence(view: FleetView): string[] {
  const evidence: string[] = [];
  const meta = view.meta?.value ?? null;
  const missingByMap = new Map<Readonly<Record<string, number>>, string[]>();
  for (const orphan of view.orphans) {
    // A live heartbeat of an incarnation the log does not know: registered on a store that has since lost it.
    if (orphan.record?.plane !== null && orphan.record?.plane !== undefined) {
      evidence.push(`${orphan.nodeId}@${orphan.incarnation.slice(0, 8)} heartbeats, but the store has no member record of it`);
    }
  }
  for (const member of view.members) {
    const beat = member.beat?.record;
    if (beat === undefined || beat === null) continue;
    const who = `${member.nodeId}@${member.incarnation.slice(0, 8)}`;
    if (beat.regressed !== null) evidence.push(`${who} reports: ${beat.regressed}`);
    if (beat.plane === null) continue;
    if (meta === null) {
      evidence.push(`${who} follows control plane ${beat.plane.id}, and the store has no identity record (lost or recreated?)`);
      continue;
    }
    if (beat.plane.id !== meta.planeId) {
      evidence.push(`${who} follows control plane ${beat.plane.id}, the store is ${meta.planeId}`);
      continue;
    }
    if (beat.plane.epoch > meta.epoch) {
      evidence.push(`${who} saw epoch ${beat.plane.epoch}, the store is at epoch ${meta.epoch}`);
      continue;
    }
    if (beat.plane.epoch < meta.epoch) continue;
    // Equal applied maps are mostly one object (see DecodeCache): each is looked at once.
    let missing = missingByMap.get(beat.applied);
    if (missing === undefined) {
      missing = missingRevisions(view, meta.epoch, beat.applied);
      missingByMap.set(beat.applied, missing);
    }
    for (const problem of missing) evidence.push(`${who} applied ${problem}`);
  }
  return evidence;
}

/** What of `applied` the store does not have (in a view complete past it): `C revision R, the store has ...`. */
function missingRevisions(view: FleetView, epoch: number, applied: Readonly<Record<string, number>>): string[] {
  const missing: string[] = [];
  for (const [capability, revision] of Object.entries(applied)) {
    if (revision > view.position) continue;
    const stored = view.levels.get(capability);
    if (stored === undefined || (stored.record !== null && stored.record.epoch === epoch && stored.revision < revision)) {
      missing.push(`${capability} revision ${revision}, the store has ${stored === undefined ? "no record" : `revision ${stored.revision}`}`);
    }
  }
  return missing;
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
