import type { Snapshot, StoredBeat, StoredEntry } from "../control-plane/control-plane.js";
import type { RecordFormats } from "../records/record-formats.js";
import type { TwostepRecords } from "../records/twostep-records.js";

/**
 * What shows, at join, that the store went backwards, judged by the rules
 * coordinators use (see `regressionEvidence`) on the one heartbeat a joining
 * node reads: the last one stored, read before registering, against the
 * records as of its registration. Its node says so itself, follows another
 * control plane or a later epoch, or applied a record revision the store
 * does not have (every revision it applied was stored before the heartbeat,
 * so before the registration: a record behind it can only be a store that
 * went backwards). A heartbeat from before a reconcile (an earlier epoch),
 * one that cannot be read, or none at all show nothing. Empty when nothing
 * does.
 */
export function regressionAtJoin(beat: StoredBeat | undefined, snapshot: Snapshot, formats: RecordFormats<TwostepRecords>): string[] {
  if (beat === undefined || beat.tombstone) return [];
  const decoded = formats.decode("heartbeat", beat.value);
  if (!decoded.ok) return [];
  const report = decoded.value;
  const who = `${report.nodeId}@${report.incarnation.slice(0, 8)}`;
  const entries = new Map<string, StoredEntry>();
  let metaEntry: StoredEntry | undefined;
  for (const entry of snapshot.entries) {
    if (entry.key.kind === "meta") metaEntry = entry;
    else if (entry.key.kind === "level") entries.set(entry.key.capability, entry);
  }
  let meta: { readonly planeId: string; readonly epoch: number } | null = null;
  if (metaEntry !== undefined && !metaEntry.tombstone) {
    const decodedMeta = formats.decode("meta", metaEntry.value);
    // An identity record that cannot be read refuses the join by itself (see the join guard).
    if (!decodedMeta.ok) return [];
    meta = decodedMeta.value;
  }
  const plane = report.plane;
  if (plane !== null && meta !== null && plane.id === meta.planeId && plane.epoch < meta.epoch) return [];

  const evidence: string[] = [];
  if (report.regressed !== null) evidence.push(`${who} reports: ${report.regressed}`);
  if (plane === null) return evidence;
  if (meta === null) {
    evidence.push(`${who} follows control plane ${plane.id}, and the store has no identity record (lost or recreated?)`);
  } else if (plane.id !== meta.planeId) {
    evidence.push(`${who} follows control plane ${plane.id}, the store is ${meta.planeId}`);
  } else if (plane.epoch > meta.epoch) {
    evidence.push(`${who} saw epoch ${plane.epoch}, the store is at epoch ${meta.epoch}`);
  } else {
    for (const [capability, revision] of Object.entries(report.applied)) {
      const stored = entries.get(capability);
      if (stored === undefined) evidence.push(`${who} applied ${capability} revision ${revision}, the store has no record`);
      else if (stored.revision < revision && sameEpoch(stored, meta.epoch, formats))
        evidence.push(`${who} applied ${capability} revision ${revision}, the store has revision ${stored.revision}`);
    }
  }
  return evidence;
}

/** True when a stored level entry is of `epoch` (a tombstone counts as one). */
function sameEpoch(entry: StoredEntry, epoch: number, formats: RecordFormats<TwostepRecords>): boolean {
  if (entry.tombstone) return true;
  const decoded = formats.decode("level", entry.value);
  return decoded.ok && decoded.value.epoch === epoch;
}
