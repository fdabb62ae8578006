import type { StoredEntry } from "../control-plane/control-plane.js";
import { RecordUnreadableError } from "../errors/fleet-errors.js";
import type { RecordFormats } from "../records/record-formats.js";
import type { TwostepRecords } from "../records/twostep-records.js";
import { committedLevels, DEFAULT_DRAIN_WINDOW_MS, drainWindowOf, MAX_LEVEL, type WriteLevelRecord, writtenLevels } from "../records/write-level-record.js";
import { blankState } from "./propose-change.js";
import type { FleetView } from "./fleet-view.js";

/** What `reconcile` writes. */
export interface Reconciled {
  /** The new epoch: above the store's and any a member reports. */
  readonly epoch: number;
  /** The identity members follow, when the store lost its own. */
  readonly planeId: string | null;
  /** One merged record per capability that needs writing, but for its epoch and note. */
  readonly records: readonly Omit<WriteLevelRecord, "epoch" | "change">[];
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
 * level a heartbeat reports written within the drain window (of a
 * capability no source has a record of, too: it gets one that writes
 * nothing). A level retired by the newest source stays retired unless a
 * heartbeat reports it written, or a record a node holds writes or requires
 * it (that node may have missed the retire, and takes no reconcile that
 * drops it); the store's own older record does not undo a retire. Records a
 * newer twostep wrote are left alone; one a node holds is refused
 * ({@link RecordUnreadableError}): its levels would be left out.
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
    if (stored.record === null) continue;
    add({ record: stored.record, epoch: stored.record.epoch, revision: stored.revision });
    // A reconcile that did not finish wrote records above the identity's epoch: this one starts above them.
    epoch = Math.max(epoch, stored.record.epoch);
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
      // A record a node holds in a format this twostep cannot read would be left out, and the levels it requires with it.
      if (!decoded.ok && decoded.newer)
        throw new RecordUnreadableError(
          `write-level (${capability}) held by ${beat.nodeId}`,
          decoded.problem,
          "reconcile with the newer twostep that wrote it",
        );
      if (decoded.ok && decoded.value.capability === capability)
        add({ record: decoded.value, epoch: decoded.value.epoch, revision: beat.applied[capability] ?? 0, held: true });
    }
  }
  const records: Omit<WriteLevelRecord, "epoch" | "change">[] = [];
  for (const [capability, candidates] of byCapability) {
    const stored = view.levels.get(capability);
    if (stored?.newer === true) continue;
    records.push(merge(candidates, reported.get(capability) ?? new Map(), view.now));
  }
  // Written lately, by a node whose records nobody has (it is cut off, and had not said what it holds): required all the same.
  for (const [capability, levels] of reported) {
    if (byCapability.has(capability) || view.levels.get(capability)?.newer === true) continue;
    const recent = recentLevels(levels, view.now, DEFAULT_DRAIN_WINDOW_MS);
    if (recent.size > 0) records.push(withWritten(blankState(capability), recent));
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
  const recent = recentLevels(reported, now, drainWindowOf(newest));
  const everWritten = new Set<number>();
  /** Levels a node may still write, or requires: reported and held ones only, as the store's own record may be older than a retire. */
  const used = new Set<number>(recent.keys());
  const writtenUntil: Record<string, number> = {};
  for (const { record, held } of sorted) {
    for (const level of record.everWritten) everWritten.add(level);
    if (held === true) for (const level of [...writtenLevels(record), ...committedLevels(record)]) used.add(level);
    for (const [level, until] of Object.entries(record.writtenUntil)) writtenUntil[level] = Math.max(writtenUntil[level] ?? 0, until);
  }
  const merged = withWritten({ ...newest, everWritten: [...everWritten], writtenUntil }, recent);
  for (const level of writtenLevels(newest)) delete merged.writtenUntil[String(level)];
  return { ...merged, retired: newest.retired.filter((level) => !used.has(level)), intent: null };
}

/** The levels of `reported` (level → when last written) written within `drainMs` of `now`; what cannot be a level is left out. */
function recentLevels(reported: ReadonlyMap<number, number>, now: number, drainMs: number): Map<number, number> {
  const recent = new Map<number, number>();
  for (const [level, at] of reported) {
    // A heartbeat counts frames of unknown levels apart: such a key is not taken for a level.
    if (Number.isInteger(level) && level >= 0 && level <= MAX_LEVEL && now - at < drainMs) recent.set(level, at);
  }
  return recent;
}

/** `record` with the levels of `written` (level → when last written) ever written, and written until then; every level ever written sorted once. */
function withWritten<T extends Omit<WriteLevelRecord, "epoch" | "change">>(record: T, written: ReadonlyMap<number, number>): T {
  const everWritten = new Set(record.everWritten);
  const writtenUntil = { ...record.writtenUntil };
  for (const [level, at] of written) {
    everWritten.add(level);
    writtenUntil[String(level)] = Math.max(writtenUntil[String(level)] ?? 0, at);
  }
  return { ...record, everWritten: [...everWritten].sort((a, b) => a - b), writtenUntil };
}
