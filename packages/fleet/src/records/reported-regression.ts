import type { HeartbeatRecord } from "./heartbeat-record.js";
import type { PlaneMeta } from "./plane-meta.js";

/** A write-level record as the store holds it, as far as a node's applied revisions are judged against it. */
export interface StoredLevelState {
  readonly revision: number;
  /** The epoch it was written in; null when it was forgotten (a tombstone) or cannot be read. */
  readonly epoch: number | null;
}

/**
 * What one node's heartbeat shows of a store that went backwards, by the
 * rule every judge applies (a coordinator to its members, a node at join to
 * the last heartbeat stored): the node says so itself, follows another
 * control plane or a later epoch than the store's, or applied a record
 * revision the store does not have (`missingOf` words those, see
 * {@link missingRevisions}). A report from an earlier epoch of the same
 * control plane shows nothing: a reconcile came after it. Empty (and
 * nothing allocated) when nothing shows; `who` is named in each line as
 * `node@incarnation`.
 */
export function reportedRegression(
  who: { readonly nodeId: string; readonly incarnation: string },
  report: Pick<HeartbeatRecord, "regressed" | "plane" | "applied">,
  meta: PlaneMeta | null,
  missingOf: (applied: Readonly<Record<string, number>>, epoch: number) => readonly string[],
): readonly string[] {
  const plane = report.plane;
  if (plane !== null && meta !== null && plane.id === meta.planeId && plane.epoch < meta.epoch) return NOTHING;
  const current = plane !== null && meta !== null && plane.id === meta.planeId && plane.epoch === meta.epoch;
  const missing = current ? missingOf(report.applied, meta.epoch) : NOTHING;
  // The common case, a report that shows nothing, allocates nothing: a coordinator judges every member on every read.
  if (report.regressed === null && (plane === null || current) && missing.length === 0) return NOTHING;
  const name = `${who.nodeId}@${who.incarnation.slice(0, 8)}`;
  const evidence = report.regressed === null ? [] : [`${name} reports: ${report.regressed}`];
  if (plane === null) return evidence;
  if (meta === null) evidence.push(`${name} follows control plane ${plane.id}, and the store has no identity record (lost or recreated?)`);
  else if (plane.id !== meta.planeId) evidence.push(`${name} follows control plane ${plane.id}, the store is ${meta.planeId}`);
  else if (plane.epoch > meta.epoch) evidence.push(`${name} saw epoch ${plane.epoch}, the store is at epoch ${meta.epoch}`);
  else for (const problem of missing) evidence.push(`${name} applied ${problem}`);
  return evidence;
}

const NOTHING: readonly string[] = Object.freeze([]);

/**
 * The revisions of `applied` (of the store's `epoch`) that the store does
 * not have, worded `C revision R, the store has …`: no record of C, or one
 * of a lower revision written in that epoch or an earlier one (a record a
 * reconcile left alone), or forgotten, or unreadable.
 * Revisions above `completeTo` are not judged: the reader's view does not
 * reach them, so a lagging read is not taken for a store gone backwards.
 */
export function missingRevisions(
  applied: Readonly<Record<string, number>>,
  epoch: number,
  stored: (capability: string) => StoredLevelState | undefined,
  completeTo: number,
): string[] {
  const missing: string[] = [];
  for (const [capability, revision] of Object.entries(applied)) {
    if (revision > completeTo) continue;
    const held = stored(capability);
    if (held === undefined) missing.push(`${capability} revision ${revision}, the store has no record`);
    else if (held.revision < revision && (held.epoch === null || held.epoch <= epoch)) {
      missing.push(`${capability} revision ${revision}, the store has revision ${held.revision}`);
    }
  }
  return missing;
}
