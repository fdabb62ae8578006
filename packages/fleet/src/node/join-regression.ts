import type { Snapshot, StoredBeat, StoredEntry } from "../control-plane/control-plane.js";
import type { PlaneMeta } from "../records/plane-meta.js";
import type { RecordFormats } from "../records/record-formats.js";
import { missingRevisions, reportedRegression, type StoredLevelState } from "../records/reported-regression.js";
import type { TwostepRecords } from "../records/twostep-records.js";

/**
 * What shows, at join, that the store went backwards: the rule
 * coordinators apply to their members ({@link reportedRegression}), applied
 * to what a joining node reads before registering: the last heartbeat
 * stored, and every heartbeat of the node ids marked as holding records the
 * store lost (`ControlPlane.regressionMarks`), against the records as of
 * its registration (every revision they report applied was stored before
 * it, so a record behind it can only be a store that went backwards). The
 * last heartbeat shows nothing when it cannot be read (or there is none);
 * a marked node's heartbeat that cannot be read shows that its node may
 * think so. Empty when nothing shows.
 */
export function regressionAtJoin(
  lastBeat: StoredBeat | undefined,
  marked: readonly StoredBeat[],
  snapshot: Snapshot,
  formats: RecordFormats<TwostepRecords>,
): readonly string[] {
  const levels = new Map<string, StoredEntry>();
  let metaEntry: StoredEntry | undefined;
  for (const entry of snapshot.entries) {
    if (entry.key.kind === "meta") metaEntry = entry;
    else if (entry.key.kind === "level") levels.set(entry.key.capability, entry);
  }
  let meta: PlaneMeta | null = null;
  if (metaEntry !== undefined && !metaEntry.tombstone) {
    const decodedMeta = formats.decode("meta", metaEntry.value);
    // An identity record that cannot be read refuses the join by itself (see the join guard).
    if (!decodedMeta.ok) return [];
    meta = decodedMeta.value;
  }
  const stored = (capability: string): StoredLevelState | undefined => {
    const entry = levels.get(capability);
    if (entry === undefined) return undefined;
    const level = entry.tombstone ? undefined : formats.decode("level", entry.value);
    return { revision: entry.revision, epoch: level?.ok === true ? level.value.epoch : null };
  };
  // Everything a heartbeat says was applied was stored before the registration: the snapshot is complete past it.
  const missingOf = (applied: Readonly<Record<string, number>>, epoch: number) => missingRevisions(applied, epoch, stored, Number.POSITIVE_INFINITY);
  const evidence: string[] = [];
  const judge = (beat: StoredBeat, unreadable: boolean): void => {
    if (beat.tombstone) return;
    const decoded = formats.decode("heartbeat", beat.value);
    if (decoded.ok) evidence.push(...reportedRegression(decoded.value, decoded.value, meta, missingOf));
    else if (unreadable) {
      const { nodeId, incarnation } = beat.key;
      evidence.push(`${nodeId}@${incarnation.slice(0, 8)} is marked as holding records the store lost, and its heartbeat cannot be read: ${decoded.problem}`);
    }
  };
  if (lastBeat !== undefined) judge(lastBeat, false);
  for (const beat of marked) judge(beat, true);
  // The last heartbeat may be a marked node's too: each line once.
  return [...new Set(evidence)];
}
