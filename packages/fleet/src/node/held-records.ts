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
 * until the store holds its record again, or a record that still requires
 * every level its record requires, or a release manager reconciles (a new
 * epoch). So does another record (or a removal) at the very revision of
 * one held: revisions are handed out once. A record that cannot be read is
 * reported while the store holds it: no longer once it is removed (a
 * tombstone) or missing from a snapshot. A record (or a removal) that
 * replaces one held after the store went back from it, or after a reconcile
 * that did not leave it alone, is taken only if it still requires every
 * level the one held requires: a history that forked (written again by a
 * coordinator that saw nothing of it, or read the store before the
 * reconcile), or a reconcile made without this node's records (it was cut
 * off, or had not said what it holds), may drop a level this node wrote,
 * and then the node keeps its record and says so, until a reconcile that
 * has it. A legitimate retire or forget it missed meanwhile looks the same,
 * and is refused alike. While the store names another control plane, none
 * of its records is taken, unless a reconcile of it past the epoch this
 * node saw is.
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
  readonly #notTaken = new Map<string, { readonly epoch: number; readonly why: string }>();
  /** The capabilities whose record the store went back from (a lower revision, a removal below it, gone): until it holds it again, what replaces it must keep its levels. */
  readonly #behind = new Set<string>();
  /** The capabilities whose record, of an earlier epoch than the one taken, the store still holds as it was: a reconcile left it alone, and what follows it is taken as ever. */
  readonly #carried = new Set<string>();
  /** Why the control plane last named is not taken (another one's identity), or null: none of its records is taken meanwhile. */
  #foreign: string | null = null;
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
    this.#foreign = null;
    // The identity first: the records of a control plane this node does not take are not taken either.
    for (const entry of snapshot.entries) if (entry.key.kind === "meta") note(this.#apply(entry, changed));
    for (const entry of snapshot.entries) if (entry.key.kind !== "meta") note(this.#apply(entry, changed));
    const newEpoch = (this.#meta?.value.epoch ?? 0) > epochBefore && epochBefore > 0;
    if (!newEpoch) {
      if (snapshot.position < this.#highest) note(`the store is at revision ${snapshot.position}, behind revision ${this.#highest} that this node saw`);
      const present = new Set(
        snapshot.entries.filter((entry) => entry.key.kind === "level").map((entry) => (entry.key.kind === "level" ? entry.key.capability : "")),
      );
      for (const capability of this.#records.keys()) {
        if (!present.has(capability)) note(this.#wentBack(capability, `the record of ${capability} vanished from the store`));
      }
    }
    for (const capability of [...this.#records.keys()]) note(this.#notKept(capability, changed));
    if (regression !== null) this.#regressed = regression;
    else if (this.#regressed !== null) this.#regressed = null;
    return changed;
  }

  /** Takes in one entry; returns the capabilities whose record changed. */
  applyEntry(entry: StoredEntry): Set<string> {
    const changed = new Set<string>();
    let regression = this.#apply(entry, changed);
    // A new identity settles every record held; a record, only its own.
    for (const capability of entry.key.kind === "meta" ? [...this.#records.keys()] : entry.key.kind === "level" ? [entry.key.capability] : []) {
      regression ??= this.#notKept(capability, changed);
    }
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
      if (this.#foreign !== null) return this.#foreign;
      this.#forgetUnreadable(entry);
      if (held === undefined) return null;
      if (entry.revision < held.revision)
        return this.#wentBack(capability, `the record of ${capability} went back from revision ${held.revision} to ${entry.revision}`);
      // Removed at the very revision this node applied a record at: that revision was handed out again.
      if (entry.revision === held.revision) return this.#fork(capability, reissued(capability, entry.revision));
      const forked = this.#forked.get(capability);
      if (forked !== undefined) return forked;
      // A removal after a reconcile, or past a record the store went back from, is judged as a record would be.
      const epoch = this.#meta?.value.epoch ?? 0;
      const afterReconcile = held.record.epoch < epoch && !this.#carried.has(capability);
      if (afterReconcile || this.#behind.has(capability)) {
        const refused = this.#notTakenFor(capability, held, null, afterReconcile ? epoch : null, entry.revision);
        if (refused !== null) return refused;
      }
      this.#notTaken.delete(capability);
      this.#behind.delete(capability);
      this.#carried.delete(capability);
      this.#records.delete(capability);
      this.#accepted(entry.revision);
      changed.add(capability);
      return null;
    }
    // The record already held, delivered again (every resync, the snapshot after a join): nothing to decode.
    if (held !== undefined && entry.revision === held.revision && Buffer.compare(entry.value, held.stored) === 0) {
      this.#stored.add(capability);
      this.#behind.delete(capability);
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
    // Of a control plane this node does not take, only a reconcile's records can be: judged below, ahead of its identity.
    if (this.#foreign !== null && record.epoch <= (this.#meta?.value.epoch ?? 0)) return this.#foreign;
    if (held !== undefined) {
      // A reconcile's record, unless a change wrote one the reconcile left alone again in the epoch taken (changes write the current epoch).
      const epoch = this.#meta?.value.epoch ?? 0;
      if (record.epoch > held.record.epoch && !(record.epoch <= epoch && this.#carried.has(capability))) {
        const refused = this.#notTakenFor(capability, held, record, record.epoch, entry.revision);
        if (refused !== null) return refused;
      }
      if (record.epoch < held.record.epoch)
        return this.#wentBack(capability, `the record of ${capability} went back from epoch ${held.record.epoch} to ${record.epoch}`);
      if (record.epoch === held.record.epoch) {
        // Other bytes at the revision this node applied (the same bytes returned above): a store gone backwards and written again.
        if (entry.revision === held.revision) return this.#fork(capability, reissued(capability, entry.revision));
        if (entry.revision < held.revision)
          return this.#wentBack(capability, `the record of ${capability} went back from revision ${held.revision} to ${entry.revision}`);
        const forked = this.#forked.get(capability);
        if (forked !== undefined) return forked;
        // Past the record held, in a store that went back from it: written again by a coordinator that saw nothing of it, perhaps.
        if (this.#behind.has(capability)) {
          const refused = this.#notTakenFor(capability, held, record, null, entry.revision);
          if (refused !== null) return refused;
        }
        // Of an earlier epoch than the one taken, past a record the reconcile did not leave alone: a coordinator that read the store before it.
        if (record.epoch < epoch && !this.#carried.has(capability)) {
          const refused = this.#notTakenFor(capability, held, record, epoch, entry.revision);
          if (refused !== null) return refused;
        }
      }
    }
    this.#forked.delete(capability);
    this.#notTaken.delete(capability);
    this.#behind.delete(capability);
    this.#carried.delete(capability);
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
      if (replaced && !(meta.change.action === "reconcile" && meta.epoch > held.value.epoch)) {
        this.#foreign = `the control plane was replaced: it is now ${meta.planeId}, this node joined ${held.value.planeId}`;
        return this.#foreign;
      }
      if (meta.epoch < held.value.epoch) return `the control plane went back from epoch ${held.value.epoch} to ${meta.epoch}`;
      if (meta.epoch === held.value.epoch && entry.revision < held.revision)
        return `the control plane's identity went back from revision ${held.revision} to ${entry.revision}`;
      if (meta.epoch > held.value.epoch) {
        // A reconcile: revisions start again from what the store has now.
        this.#highest = 0;
        this.#regressed = null;
        this.#forked.clear();
        this.#behind.clear();
        this.#carried.clear();
        // The reconcile whose records this node may have taken before its identity record: they carry its id.
        const own = meta.change.action === "reconcile" ? meta.change.id : undefined;
        for (const [capability, record] of this.#records) {
          changed.add(capability);
          // Of this epoch or a later one, not this reconcile's, and not what the store holds: a reconcile that did not finish wrote it, in another history.
          const ours = record.record.change.action === "reconcile" && record.record.change.id === own;
          if (record.record.epoch >= meta.epoch && !ours && !this.#stored.has(capability)) this.#behind.add(capability);
        }
      }
    }
    this.#foreign = null;
    this.#meta = { value: meta, revision: entry.revision };
    this.#accepted(entry.revision);
    return null;
  }

  /**
   * Why the epoch this node took does not keep the record of `capability`
   * it holds: one that requires some level, and that the store does not
   * hold (the reconcile wrote none that requires those levels, see `#apply`,
   * or none at all; or it is of a reconcile that did not finish, in another
   * history). A reconcile leaves alone only the records it cannot read, and
   * those this node cannot read either are reported as such. One of an
   * earlier epoch that requires nothing grants nothing, and is dropped. Null
   * when nothing shows it.
   */
  #notKept(capability: string, changed: Set<string>): string | null {
    const held = this.#records.get(capability);
    const epoch = this.#meta?.value.epoch ?? 0;
    if (held === undefined) return null;
    if (this.#stored.has(capability)) {
      if (held.record.epoch < epoch) this.#carried.add(capability);
      return null;
    }
    if (this.#unreadable.has(keyText({ kind: "level", capability }))) return null;
    const required = committedLevels(held.record);
    const noted = this.#notTaken.get(capability);
    // What the last record refused said, when it was of the epoch taken; else, what the epoch lacks.
    if (required.length > 0) return noted !== undefined && noted.epoch === epoch ? noted.why : notKept(capability, held, epoch, required);
    // Of this epoch or a later one, it may be this history's next: it grants nothing either way.
    if (held.record.epoch >= epoch) return null;
    this.#records.delete(capability);
    this.#behind.delete(capability);
    this.#carried.delete(capability);
    changed.add(capability);
    return null;
  }

  /**
   * Why `next` (a record of a later epoch, or past one the store went back
   * from, or a removal: null), at `revision`, is not taken in place of
   * `held`: it no longer requires a level `held` requires. `epoch` is the
   * reconcile's, or null within one epoch. Noted for `#notKept`; null when
   * it is taken.
   */
  #notTakenFor(capability: string, held: HeldRecord, next: WriteLevelRecord | null, epoch: number | null, revision: number): string | null {
    const kept = next === null ? [] : committedLevels(next);
    const lost = committedLevels(held.record).filter((level) => !kept.includes(level));
    if (lost.length === 0) return null;
    const why = epoch === null ? forkedPast(capability, held, revision, lost) : notKept(capability, held, epoch, lost);
    this.#notTaken.set(capability, { epoch: next?.epoch ?? epoch ?? this.#meta?.value.epoch ?? 0, why });
    return why;
  }

  /** Notes that the store went back from the record of `capability` held, `why`; returns why. */
  #wentBack(capability: string, why: string): string {
    this.#behind.add(capability);
    this.#carried.delete(capability);
    return why;
  }

  /** Notes that the store's history of `capability` forked from the one held, `why`; returns why. */
  #fork(capability: string, why: string): string {
    this.#forked.set(capability, why);
    this.#carried.delete(capability);
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

/** The levels `lost`, as `v1, v2`. */
function levelList(lost: readonly number[]): string {
  return lost.map((level) => `v${level}`).join(", ");
}

/**
 * Why a reconcile's epoch is not taken for `capability`: it has no record
 * of it that still requires `lost`, levels the record this node holds
 * requires (writers may have used them), so a build that cannot read them
 * could join by it.
 */
function notKept(capability: string, held: HeldRecord, epoch: number, lost: readonly number[]): string {
  return `the reconcile to epoch ${epoch} has no record of ${capability} that requires ${levelList(lost)}, as the one this node holds (revision ${held.revision}) does: the store lost what this node may have written (or this node missed a retire)`;
}

/**
 * Why a record past the one held is not taken, in a store that went back
 * from that one: it no longer requires `lost`, so the store's history
 * forked (written again by a coordinator that saw nothing of the records
 * it lost) and would let in a build that cannot read them.
 */
function forkedPast(capability: string, held: HeldRecord, revision: number, lost: readonly number[]): string {
  return `the record of ${capability} at revision ${revision} no longer requires ${levelList(lost)}, as the one this node holds (revision ${held.revision}) does, and the store went back from that one: its history forked`;
}
