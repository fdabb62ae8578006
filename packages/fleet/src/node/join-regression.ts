import type { Snapshot, StoredBeat, StoredEntry, StoredReport } from "../control-plane/control-plane.js";
import type { PlaneMeta } from "../records/plane-meta.js";
import type { RecordFormats } from "../records/record-formats.js";
import { missingRevisions, reportedRegression, type StoredLevelState } from "../records/reported-regression.js";
import type { TwostepRecords } from "../records/twostep-records.js";

/**
 * What shows, at join, that the store went backwards: the rule
 * coordinators apply to their members ({@link reportedRegression}), applied
 * to what a joining node reads before registering: the last heartbeat
 * stored, and every report that running nodes keep of a store gone
 * backwards (`ControlPlane.regressionReports`), against the records as of
 * its registration (every revision they report applied was stored before
 * it, so a record behind it can only be a store that went backwards). A
 * last heartbeat that cannot be read, or none at all, shows nothing; a
 * report that cannot be read shows that its node thinks so, since a node
 * keeps one only then. Empty when nothing shows.
 */
export function regressionAtJoin(
  lastBeat: StoredBeat | undefined,
  reports: readonly StoredReport[],
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
  // Everything a heartbeat or report says was applied was stored before the registration: the snapshot is complete past it.
  const missingOf = (applied: Readonly<Record<string, number>>, epoch: number) => missingRevisions(applied, epoch, stored, Number.POSITIVE_INFINITY);
  const evidence: string[] = [];
  if (lastBeat !== undefined && !lastBeat.tombstone) {
    const decoded = formats.decode("heartbeat", lastBeat.value);
    if (decoded.ok) evidence.push(...reportedRegression(decoded.value, decoded.value, meta, missingOf));
  }
  for (const report of reports) {
    const decoded = formats.decode("heartbeat", report.value);
    if (decoded.ok) evidence.push(...reportedRegression(decoded.value, decoded.value, meta, missingOf));
    else evidence.push(`${report.nodeId} keeps a report that the store went backwards, which cannot be read: ${decoded.problem}`);
  }
  return evidence;
}
