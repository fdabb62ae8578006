import type { Snapshot, StoredBeat, StoredEntry } from "../control-plane/control-plane.js";
import type { PlaneMeta } from "../records/plane-meta.js";
import type { RecordFormats } from "../records/record-formats.js";
import { missingRevisions, reportedRegression, type StoredLevelState } from "../records/reported-regression.js";
import type { TwostepRecords } from "../records/twostep-records.js";

/**
 * What shows, at join, that the store went backwards: the rule
 * coordinators apply to their members ({@link reportedRegression}), applied
 * to the one heartbeat a joining node reads, the last one stored, read
 * before registering, against the records as of its registration (every
 * revision it reports applied was stored before it, so a record behind it
 * can only be a store that went backwards). A heartbeat that cannot be
 * read, or none at all, shows nothing. Empty when nothing does.
 */
export function regressionAtJoin(beat: StoredBeat | undefined, snapshot: Snapshot, formats: RecordFormats<TwostepRecords>): readonly string[] {
  if (beat === undefined || beat.tombstone) return [];
  const decoded = formats.decode("heartbeat", beat.value);
  if (!decoded.ok) return [];
  const report = decoded.value;
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
  // Everything the heartbeat reports applied was stored before the registration: the snapshot is complete past it.
  const missingOf = (applied: Readonly<Record<string, number>>, epoch: number) => missingRevisions(applied, epoch, stored, Number.POSITIVE_INFINITY);
  return reportedRegression(report, report, meta, missingOf);
}
