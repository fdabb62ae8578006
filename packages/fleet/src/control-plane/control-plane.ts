import type { BeatKey, EntryKey, Scope } from "./entry-key.js";

/** Stops a watch or a follower. */
export interface Subscription {
  /** Stops delivering; idempotent. */
  stop(): Promise<void>;
}

/** One stored entry of the log: a value, or a tombstone that removed the key. */
export interface StoredEntry {
  readonly key: EntryKey;
  /** The stored bytes. A tombstone's bytes say why the key was removed (they may be empty). */
  readonly value: Uint8Array;
  /** True when this entry removed the key. */
  readonly tombstone: boolean;
  /** Position in the log: positive, strictly increasing over all keys, assigned by the control plane. */
  readonly revision: number;
  /** When the control plane stored it, ms since the epoch, on the control plane's clock. */
  readonly at: number;
}

/** One stored heartbeat: the last one of an incarnation, or the tombstone that ended it. */
export interface StoredBeat {
  readonly key: BeatKey;
  readonly value: Uint8Array;
  readonly tombstone: boolean;
  /** Revision of this heartbeat under its key; compare-and-set takes it back. */
  readonly revision: number;
  /** When the control plane stored it, ms since the epoch, on the control plane's clock. */
  readonly at: number;
}

/** The last entry of every key of a scope, complete up to a log position. */
export interface Snapshot {
  /** The last entry of each key (tombstones included), in revision order. */
  readonly entries: readonly StoredEntry[];
  /**
   * Every entry of the scope at or below this position is reflected: an
   * entry of a key that is not the one listed has a lower revision, and a
   * key not listed had no entry at or below it.
   */
  readonly position: number;
}

/** Options of {@link ControlPlane.append}. */
export interface AppendOptions {
  /**
   * Append only if the key's last entry has this revision (0: the key has
   * no entry at all); else throw `RevisionConflictError`. Absent: append
   * whatever the key holds.
   */
  readonly expect?: number;
  /** Store a tombstone: the key is removed, `value` says why. */
  readonly tombstone?: boolean;
}

/** What {@link ControlPlane.follow} calls. */
export interface FollowHandlers {
  /**
   * A complete snapshot of the `records` scope: first when following starts
   * (before `follow` resolves), then whenever the follower may have missed
   * entries (a lost connection, a gap) and read everything again.
   */
  readonly onSnapshot: (snapshot: Snapshot) => void;
  /** One entry of the `records` scope stored since. Entries of one key arrive in revision order. */
  readonly onEntry: (entry: StoredEntry) => void;
}

/** An entry {@link ControlPlane.register} appends. */
export interface RegisterEntry {
  readonly key: EntryKey;
  readonly value: Uint8Array;
  /** Append only when the key has no entry yet (a build record, stored once per build). */
  readonly ifAbsent?: boolean;
}

/** Options of {@link ControlPlane.follow}. */
export interface FollowOptions {
  /**
   * The position the follower already holds (from `register`): every
   * snapshot it gets is at least as new as this and as every entry it was
   * given before, so that a lower revision can only mean a store that went
   * backwards. Defaults to 0.
   */
  readonly from?: number;
}

/** Options of {@link ControlPlane.history}. */
export interface HistoryOptions {
  /** Only the entries of this capability (its level record and refusals). */
  readonly capability?: string;
  /** Only the last `limit` entries. */
  readonly limit?: number;
}

/**
 * The fleet's shared state, as a backend stores it: a log of keyed entries
 * (records, members, builds, refusals, decommissions) with one revision
 * order, and a store of heartbeats that expire. It knows nothing of what
 * the bytes mean: `@twostep/fleet` encodes and validates them, so every
 * backend fails closed the same way.
 *
 * The safety of a write-level change rests on three promises, which the
 * contract suite (`@twostep/testkit/contract`) checks:
 * - **compare-and-set**: of two appends expecting the same revision of a
 *   key, at most one succeeds;
 * - **one order**: revisions increase over the whole log, and a snapshot is
 *   complete up to its position (no entry at or below it is missing);
 * - **reads after writes**: `register` returns records as of a position at
 *   or after the entries it appended, and `read(scope, { atLeast })` a
 *   snapshot whose position is at least `atLeast`.
 * These do not need linearizable reads: a backend may answer from a
 * lagging replica, as long as it proves the replica holds the position.
 * What a read hands back is a copy or frozen (the keys too): changing it
 * changes nothing stored, nor what a later read gives.
 */
export interface ControlPlane {
  /** Appends an entry to `key`, whose names must be strings (else `INVALID_REQUEST`); returns its revision. */
  append(key: EntryKey, value: Uint8Array, options?: AppendOptions): Promise<number>;
  /**
   * Appends `entries` in order, then reads the `records` scope as of a
   * position at or after the last of them: what a starting node does, so
   * that a change committed before its registration is seen by it, and one
   * committed after is made by a coordinator that sees the registration.
   */
  register(entries: readonly RegisterEntry[]): Promise<Snapshot>;
  /** The last entry of every key in `scope`, as of a position of at least `atLeast` (default 0). */
  read(scope: Scope, options?: { readonly atLeast?: number }): Promise<Snapshot>;
  /** The last entry of one key, or undefined when it never had one. Any freshness. */
  get(key: EntryKey): Promise<StoredEntry | undefined>;
  /**
   * Follows the `records` scope: a snapshot, then entries as they are
   * stored, and a snapshot again whenever entries may have been missed. Each
   * snapshot is at least as new as `from` and as every entry delivered.
   * Nothing is filtered: a store that went backwards shows as lower
   * revisions, which the follower judges.
   */
  follow(handlers: FollowHandlers, options?: FollowOptions): Promise<Subscription>;

  /** Every entry of the history (records, refusals, decommissions), oldest first. */
  history(options?: HistoryOptions): Promise<StoredEntry[]>;
  /** Calls `onEntry` with every history entry stored after the call. */
  watchHistory(onEntry: (entry: StoredEntry) => void): Promise<Subscription>;

  /**
   * Stores a heartbeat (or its tombstone) if the key's last one has revision
   * `expect` (0: none, or expired); else throws `RevisionConflictError`.
   * Returns the new revision.
   */
  beat(key: BeatKey, value: Uint8Array, options: { readonly expect: number; readonly tombstone?: boolean }): Promise<number>;
  /** The last heartbeat of every incarnation that has one not yet expired (tombstones included). */
  readBeats(): Promise<StoredBeat[]>;
  /** The last heartbeat of one incarnation, or undefined. */
  readBeat(key: BeatKey): Promise<StoredBeat | undefined>;
  /**
   * The heartbeat stored last, of any incarnation, passing over tombstones;
   * undefined when there is none. One past the TTL may still be given until
   * the backend removes it. A joining node reads it (before registering) to
   * tell whether running nodes report a store that went backwards: it needs
   * no right to read the other heartbeats.
   */
  lastBeat(): Promise<StoredBeat | undefined>;
  /**
   * Marks `nodeId` as holding records the store lost, where every joining
   * node looks ({@link ControlPlane.regressionMarks}), until it expires as a
   * heartbeat does: a regressed node marks itself at every heartbeat. The
   * mark says only where to look: the heartbeats of that node id's
   * incarnations ({@link ControlPlane.beatsOf}) say what each holds. A node's
   * credentials allow it for its own node id.
   */
  markRegression(nodeId: string): Promise<void>;
  /**
   * The node ids marked by {@link ControlPlane.markRegression} and not
   * expired: none at all in a store that never went backwards, which costs
   * one read. One past the TTL may still be given until the backend removes
   * it. A joining node reads them before registering, with the rights of
   * {@link ControlPlane.lastBeat}.
   */
  regressionMarks(): Promise<string[]>;
  /**
   * The last heartbeat of every incarnation of `nodeId` (tombstones left
   * out), as {@link ControlPlane.readBeats} gives them but of one node id,
   * with the rights of {@link ControlPlane.lastBeat}. One past the TTL may
   * still be given until the backend removes it.
   */
  beatsOf(nodeId: string): Promise<StoredBeat[]>;
  /** How long a heartbeat is kept before it expires, in ms. */
  readonly beatTtlMs: number;

  /** The control plane's clock now, ms since the epoch: the clock of `at`. */
  serverTime(): Promise<number>;
  /**
   * Drops entries that no longer matter: tombstones of members and builds
   * that nobody references, older than `olderThanMs`. Returns how many went.
   */
  compact(olderThanMs: number): Promise<number>;
  /** Releases connections and followers. */
  close(): Promise<void>;
}
