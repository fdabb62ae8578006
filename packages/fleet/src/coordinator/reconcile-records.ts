import type { StoredEntry } from "../control-plane/control-plane.js";
import type { RecordFormats } from "../records/record-formats.js";
import type { TwostepRecords } from "../records/twostep-records.js";
import { committedLevels, drainWindowOf, MAX_LEVEL, type WriteLevelRecord, writtenLevels } from "../records/write-level-record.js";
import type { FleetView } from "./fleet-view.js";

/** What `reconcile` writes. */
export interface Reconciled {
  /** The new epoch: above the store's and any a member reports. */
  readonly epoch: number;
  /** The identity members follow, when the store lost its own. */
  readonly planeId: string | null;
  /** One merged record per capability that needs writing. */
  readonly records: readonly WriteLevelRecord[];
}

/** A record one source holds, and how new it is. */
interface Candidate {
  readonly record: WriteLevelRecord;
  readonly epoch: number;
  readonly revision: number;
  /** True when a node holds it (its heartbeat carries it). */
  readonly held?: boolean;
}

/**
 * Merges what is known of each capability after the store went backwards:
 * the store's record, the last readable record of its history (when the
 * stored one is damaged), and the records members hold (and nodes whose
 * heartbeats the log has no member of). The newest source
 * (by epoch, then revision) gives the write level, ramp and policy; every
 * level any source wrote or required stays ever written, and so does every
 * level a heartbeat reports written within the drain window. A level retired
 * by the newest source stays retired unless another source still writes it,
 * a heartbeat reports it written, or a record a node holds still requires
 * it (that node may have missed the retire, and takes no reconcile that
 * drops it). Records a newer twostep wrote are left alone.
 */
export function reconcileRecords(view: FleetView, history: readonly StoredEntry[], formats: RecordFormats<TwostepRecords>): Reconciled {
  const meta = view.meta?.value ?? null;
  const byCapability = new Map<string, Candidate[]>();
  const add = (candidate: Candidate): void => {
    const list = byCapability.get(candidate.record.capability) ?? [];
    list.push(candidate);
    byCapability.set(candidate.record.capability, list);
  };
  let epoch = meta?.epoch ?? 0;
  const planes = new Map<string, number>();
  for (const stored of view.levels.values()) {
    if (stored.record !== null) add({ record: stored.record, epoch: stored.record.epoch, revision: stored.revision });
  }
  const lastReadable = new Map<string, Candidate>();
  for (const entry of history) {
    if (entry.key.kind !== "level" || entry.tombstone) continue;
    const decoded = formats.decode("level", entry.value);
    if (decoded.ok && decoded.value.capability === entry.key.capability)
      lastReadable.set(entry.key.capability, { record: decoded.value, epoch: decoded.value.epoch, revision: entry.revision });
  }
  for (const stored of view.levels.values()) {
    const fallback = lastReadable.get(stored.capability);
    if (stored.problem !== null && !stored.newer && fallback !== undefined) add(fallback);
  }
  /** Per capability, per level, when a heartbeat last reported it written (the control plane's clock). */
  const reported = new Map<string, Map<number, number>>();
  // Heartbeats the log has no member of too: a node the restore forgot holds records all the same.
  for (const beat of [...view.members.map((member) => member.beat?.record), ...view.orphans.map((orphan) => orphan.record)]) {
    if (beat === undefined || beat === null) continue;
    for (const [capability, levels] of Object.entries(beat.writes)) {
      const written = reported.get(capability) ?? new Map<number, number>();
      for (const [level, ago] of Object.entries(levels)) written.set(Number(level), Math.max(written.get(Number(level)) ?? 0, view.now - ago));
      reported.set(capability, written);
    }
    if (beat.plane !== null) {
      epoch = Math.max(epoch, beat.plane.epoch);
      planes.set(beat.plane.id, (planes.get(beat.plane.id) ?? 0) + 1);
    }
    for (const [capability, text] of Object.entries(beat.held)) {
      const decoded = formats.decode("level", new TextEncoder().encode(text));
      if (decoded.ok && decoded.value.capability === capability)
        add({ record: decoded.value, epoch: decoded.value.epoch, revision: beat.applied[capability] ?? 0, held: true });
    }
  }
  const records: WriteLevelRecord[] = [];
  for (const [capability, candidates] of byCapability) {
    const stored = view.levels.get(capability);
    if (stored?.newer === true) continue;
    records.push(merge(candidates, reported.get(capability) ?? new Map(), view.now));
  }
  const planeId = meta === null ? ([...planes].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null) : null;
  return { epoch: epoch + 1, planeId, records };
}

/**
 * One record from `candidates`, with the levels `reported` written (and
 * when) within the newest one's drain window as of `now`.
 */
function merge(candidates: readonly Candidate[], reported: ReadonlyMap<number, number>, now: number): WriteLevelRecord {
  const sorted = [...candidates].sort((a, b) => a.epoch - b.epoch || a.revision - b.revision);
  const newest = (sorted.at(-1) as Candidate).record;
  const everWritten = new Set<number>();
  const written = new Set<number>();
  const heldRequired = new Set<number>();
  const writtenUntil: Record<string, number> = {};
  for (const { record, held } of sorted) {
    for (const level of record.everWritten) everWritten.add(level);
    for (const level of writtenLevels(record)) written.add(level);
    if (held === true) for (const level of committedLevels(record)) heldRequired.add(level);
    for (const [level, until] of Object.entries(record.writtenUntil)) writtenUntil[level] = Math.max(writtenUntil[level] ?? 0, until);
  }
  for (const [level, at] of reported) {
    // A level that cannot be one (a heartbeat counts frames of unknown levels apart) is not taken for one.
    if (!Number.isInteger(level) || level < 0 || level > MAX_LEVEL || now - at >= drainWindowOf(newest)) continue;
    everWritten.add(level);
    written.add(level);
    writtenUntil[String(level)] = Math.max(writtenUntil[String(level)] ?? 0, at);
  }
  const retired = newest.retired.filter((level) => !written.has(level) && !heldRequired.has(level));
  for (const level of writtenLevels(newest)) delete writtenUntil[String(level)];
  return { ...newest, everWritten: [...everWritten].sort((a, b) => a - b), retired, writtenUntil, intent: null };
}
