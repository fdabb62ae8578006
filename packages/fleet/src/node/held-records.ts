import type { Snapshot, StoredEntry } from "../control-plane/control-plane.js";
import { keyText } from "../control-plane/entry-key.js";
import type { PlaneMeta } from "../records/plane-meta.js";
import type { RecordFormats } from "../records/record-formats.js";
import type { TwostepRecords } from "../records/twostep-records.js";
import { committedLevels, type WriteLevelRecord } from "../records/write-level-record.js";

/** A write-level record a node holds, with the revision it was stored at. */
export interface HeldRecord {
  readonly record: WriteLevelRecord;
  readonly revision: number;
  /** The bytes as stored, reported while the store is behind (for `twostep reconcile`). */
  readonly stored: Uint8Array;
}

/**
 * The records a node follows, judged as they arrive. A newer record
 * replaces an older one; a record it cannot read leaves the one it holds in
 * force (and is reported); a record older than the one held, a record that
 * vanished, a store behind what the node saw or a different control plane
 * mean the store went backwards: the node keeps its newer state and says so,
 * until the store catches up again or a release manager reconciles (a new
 * epoch). So does another record (or a removal) at the very revision of
 * one held: revisions are handed out once. A record that cannot be read is
 * reported while the store holds it: no longer once it is removed (a
 * tombstone) or missing from a snapshot. A reconcile is taken only for the
 * records it keeps: one made without this node's records (it was cut off,
 * or had not said what it holds) may drop a level the node's record
 * requires, and then the node keeps its record and says so, until a
 * reconcile that has it.
 */
export class HeldRecords {
  readonly #formats: RecordFormats<TwostepRecords>;
  readonly #records = new Map<string, HeldRecord>();
  /** The records that cannot be read, by key: the problem and the revision it was stored at. */
  readonly #unreadable = new Map<string, { readonly problem: string; readonly revision: number }>();
  #meta: { readonly value: PlaneMeta; readonly revision: number } | undefined;
  /**
   * Per capability, why its history in the store forked from the one held:
   * another write, or a removal, at the revision held. Such a store never
   * catches up: later records of it are not taken either, and only a new
   * epoch (a reconcile) ends it.
   */
  readonly #forked = new Map<string, string>();
  /** The capabilities whose last entry delivered is the very record held: the store holds it, as far as this node knows. */
  readonly #stored = new Set<string>();
  /** Per capability, why the last record of a later epoch was not taken for it (see `#notKept`). */
  readonly #notTaken = new Map<string, string>();
  /** The highest revision accepted in the current epoch. */
  #highest = 0;
  #regressed: string | null = null;

  constructor(formats: RecordFormats<TwostepRecords>) {
    this.#formats = formats;
  }

  /** The record of `capability`, if one is held. */
  get(capability: string): HeldRecord | undefined {
    return this.#records.get(capability);
  }

  /** Every record held. */
  all(): HeldRecord[] {
    return [...this.#records.values()];
  }

  /** The control plane this node follows (identity and epoch), if it has one. */
  get plane(): { readonly id: string; readonly epoch: number } | null {
    return this.#meta === undefined ? null : { id: this.#meta.value.planeId, epoch: this.#meta.value.epoch };
  }

  /** Why the store seems to have gone backwards, or null. */
  get regressed(): string | null {
    return this.#regressed;
  }

  /** True when some record cannot be read. */
  get anyUnreadable(): boolean {
    return this.#unreadable.size > 0;
  }

  /** The records that could not be read, each as `key: problem`. */
  unreadable(): string[] {
    return [...this.#unreadable].map(([key, { problem }]) => `${key}: ${problem}`);
  }

  /** Takes in a complete snapshot; returns the capabilities whose record changed. */
  applySnapshot(snapshot: Snapshot): Set<string> {
    const changed = new Set<string>();
    const epochBefore = this.#meta?.value.epoch ?? 0;
    let regression: string | null = null;
    const note = (why: string | null): void => {
      regression ??= why;
    };
    // What cannot be read is what this snapshot holds that cannot be read: a record that is gone from it is no longer reported.
    this.#unreadable.clear();
    this.#stored.clear();
    for (const entry of snapshot.entries) note(this.#apply(entry, changed));
    const newEpoch = (this.#meta?.value.epoch ?? 0) > epochBefore && epochBefore > 0;
    if (!newEpoch) {
      if (snapshot.position < this.#highest) note(`the store is at revision ${snapshot.position}, behind revision ${this.#highest} that this node saw`);
      const present = new Set(
        snapshot.entries.filter((entry) => entry.key.kind === "level").map((entry) => (entry.key.kind === "level" ? entry.key.capability : "")),
      );
      for (const capability of this.#records.keys()) if (!present.has(capability)) note(`the record of ${capability} vanished from the store`);
    }
    note(this.#notKept());
    if (regression !== null) this.#regressed = regression;
    else if (this.#regressed !== null) this.#regressed = null;
    return changed;
  }

  /** Takes in one entry; returns the capabilities whose record changed. */
  applyEntry(entry: StoredEntry): Set<string> {
    const changed = new Set<string>();
    const regression = this.#apply(entry, changed) ?? this.#notKept();
    if (regression !== null) this.#regressed = regression;
    return changed;
  }

  /** Applies one entry; returns why it shows a regression, or null. */
  #apply(entry: StoredEntry, changed: Set<string>): string | null {
    if (entry.key.kind === "meta") return this.#applyMeta(entry, changed);
    if (entry.key.kind !== "level") return null;
    const capability = entry.key.capability;
    const held = this.#records.get(capability);
    this.#stored.delete(capability);
    if (entry.tombstone) {
      this.#forgetUnreadable(entry);
      if (held === undefined) return null;
      if (entry.revision < held.revision) return `the record of ${capability} went back from revision ${held.revision} to ${entry.revision}`;
      // Removed at the very revision this node applied a record at: that revision was handed out again.
      if (entry.revision === held.revision) return this.#fork(capability, reissued(capability, entry.revision));
      const forked = this.#forked.get(capability);
      if (forked !== undefined) return forked;
      const epoch = this.#meta?.value.epoch ?? 0;
      if (held.record.epoch < epoch) {
        const refused = this.#notTakenFor(capability, held.record, null, epoch);
        if (refused !== null) return refused;
      }
      this.#notTaken.delete(capability);
      this.#records.delete(capability);
      this.#accepted(entry.revision);
      changed.add(capability);
      return null;
    }
    // The record already held, delivered again (every resync, the snapshot after a join): nothing to decode.
    if (held !== undefined && entry.revision === held.revision && Buffer.compare(entry.value, held.stored) === 0) {
      this.#stored.add(capability);
      return null;
    }
    const decoded = this.#formats.decode("level", entry.value);
    if (!decoded.ok || decoded.value.capability !== capability) {
      const problem = decoded.ok ? `it names ${JSON.stringify(decoded.value.capability)}` : decoded.problem;
      this.#unreadable.set(keyText(entry.key), { problem, revision: entry.revision });
      return null;
    }
    this.#readable(entry);
    const record = decoded.value;
    if (held !== undefined) {
      if (record.epoch > held.record.epoch) {
        const refused = this.#notTakenFor(capability, held.record, record, record.epoch);
        if (refused !== null) return refused;
      }
      if (record.epoch < held.record.epoch) return `the record of ${capability} went back from epoch ${held.record.epoch} to ${record.epoch}`;
      if (record.epoch === held.record.epoch) {
        // Other bytes at the revision this node applied (the same bytes returned above): a store gone backwards and written again.
        if (entry.revision === held.revision) return this.#fork(capability, reissued(capability, entry.revision));
        if (entry.revision < held.revision) return `the record of ${capability} went back from revision ${held.revision} to ${entry.revision}`;
        const forked = this.#forked.get(capability);
        if (forked !== undefined) return forked;
      }
    }
    this.#forked.delete(capability);
    this.#notTaken.delete(capability);
    this.#records.set(capability, { record, revision: entry.revision, stored: entry.value.slice() });
    this.#stored.add(capability);
    this.#accepted(entry.revision);
    changed.add(capability);
    return null;
  }

  #applyMeta(entry: StoredEntry, changed: Set<string>): string | null {
    if (entry.tombstone) {
      this.#forgetUnreadable(entry);
      return this.#meta === undefined ? null : "the control plane's identity record was removed";
    }
    const decoded = this.#formats.decode("meta", entry.value);
    if (!decoded.ok) {
      this.#unreadable.set(keyText(entry.key), { problem: decoded.problem, revision: entry.revision });
      return null;
    }
    this.#readable(entry);
    const meta = decoded.value;
    const held = this.#meta;
    if (held !== undefined) {
      // Another control plane's reconcile past the epoch this node saw is taken as one of its own: for the records it keeps (see `#notKept`).
      const replaced = meta.planeId !== held.value.planeId;
      if (replaced && !(meta.change.action === "reconcile" && meta.epoch > held.value.epoch))
        return `the control plane was replaced: it is now ${meta.planeId}, this node joined ${held.value.planeId}`;
      if (meta.epoch < held.value.epoch) return `the control plane went back from epoch ${held.value.epoch} to ${meta.epoch}`;
      if (meta.epoch === held.value.epoch && entry.revision < held.revision)
        return `the control plane's identity went back from revision ${held.revision} to ${entry.revision}`;
      if (meta.epoch > held.value.epoch) {
        // A reconcile: revisions start again from what the store has now.
        this.#highest = 0;
        this.#regressed = null;
        this.#forked.clear();
        for (const capability of this.#records.keys()) changed.add(capability);
      }
    }
    this.#meta = { value: meta, revision: entry.revision };
    this.#accepted(entry.revision);
    return null;
  }

  /**
   * Why the epoch this node took does not keep a record it holds: a record
   * of an earlier epoch that requires some level, and that the store no
   * longer holds (the reconcile wrote none that requires those levels, see
   * `#apply`, or none at all). A reconcile leaves alone only the records it
   * cannot read, which the store still holds as they were. Null when
   * nothing shows it.
   */
  #notKept(): string | null {
    const epoch = this.#meta?.value.epoch ?? 0;
    for (const [capability, held] of this.#records) {
      const required = held.record.epoch < epoch && !this.#stored.has(capability) ? committedLevels(held.record) : [];
      if (required.length > 0) return this.#notTaken.get(capability) ?? notKept(capability, epoch, required);
    }
    return null;
  }

  /**
   * Why `next` (a record of a later `epoch`, or a removal: null) is not
   * taken in place of `held`: it no longer requires a level `held` requires.
   * Noted for `#notKept`; null when it is taken.
   */
  #notTakenFor(capability: string, held: WriteLevelRecord, next: WriteLevelRecord | null, epoch: number): string | null {
    const kept = next === null ? [] : committedLevels(next);
    const lost = committedLevels(held).filter((level) => !kept.includes(level));
    if (lost.length === 0) return null;
    const why = notKept(capability, epoch, lost);
    this.#notTaken.set(capability, why);
    return why;
  }

  /** Notes that the store's history of `capability` forked from the one held, `why`; returns why. */
  #fork(capability: string, why: string): string {
    this.#forked.set(capability, why);
    return why;
  }

  /** The record of `entry`'s key could be read: it is no longer reported (the key is not even spelt while nothing is). */
  #readable(entry: StoredEntry): void {
    if (this.#unreadable.size > 0) this.#unreadable.delete(keyText(entry.key));
  }

  /** A tombstone removed the record of its key: what could not be read of it, stored before, is gone. */
  #forgetUnreadable(tombstone: StoredEntry): void {
    const key = keyText(tombstone.key);
    const unreadable = this.#unreadable.get(key);
    if (unreadable !== undefined && unreadable.revision <= tombstone.revision) this.#unreadable.delete(key);
  }

  #accepted(revision: number): void {
    this.#highest = Math.max(this.#highest, revision);
  }
}

/**
 * Why a record other than the one held, at the revision it was held at,
 * shows a store that went backwards: a revision is given once, so the store
 * lost what it held and wrote something else under the same number.
 */
function reissued(capability: string, revision: number): string {
  return `the record of ${capability} at revision ${revision} is not the one this node applied there: the store went backwards and was written again`;
}

/**
 * Why a reconcile's epoch is not taken for `capability`: it has no record
 * of it that still requires `lost`, levels the record this node holds
 * requires (writers may have used them), so a build that cannot read them
 * could join by it.
 */
function notKept(capability: string, epoch: number, lost: readonly number[]): string {
  const levels = lost.map((level) => `v${level}`).join(", ");
  return `the reconcile to epoch ${epoch} has no record of ${capability} that requires ${levels}, as the one this node holds does: it was made without this node's records`;
}
