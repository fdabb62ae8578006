import { InvalidRequestError, RevisionConflictError } from "../errors/fleet-errors.js";
import type {
  AppendOptions,
  ControlPlane,
  FollowHandlers,
  FollowOptions,
  HistoryOptions,
  RegisterEntry,
  Snapshot,
  StoredBeat,
  StoredEntry,
  Subscription,
} from "./control-plane.js";
import { type BeatKey, capabilityOf, type EntryKey, inHistory, inScope, keyId, keyText, type Scope } from "./entry-key.js";

/** Options of {@link MemoryControlPlane}. */
export interface MemoryControlPlaneOptions {
  /** The clock, ms since the epoch. Defaults to `Date.now`; tests pass a fake one. */
  readonly clock?: () => number;
  /** Heartbeats older than this expire, as with a NATS bucket's max age. Defaults to 60 s. */
  readonly beatTtlMs?: number;
}

/** The whole state of a {@link MemoryControlPlane}, to restore later (a backup). */
export interface MemoryBackup {
  readonly log: readonly StoredEntry[];
  readonly beats: readonly StoredBeat[];
  /** When each node id marked itself as holding records the store lost. */
  readonly marks: ReadonlyMap<string, { readonly at: number }>;
  readonly revision: number;
}

/**
 * The control plane of one process: the demo, tests and single-process
 * apps. It keeps the contract of every control plane (one revision order,
 * compare-and-set, heartbeats that expire, followers told in order,
 * asynchronously). Values are copied on the way in and out. `backup` and
 * `restore` let tests make the store go backwards, as a restored backup
 * does.
 */
export class MemoryControlPlane implements ControlPlane {
  readonly #clock: () => number;
  readonly beatTtlMs: number;
  /** Every entry ever appended, in revision order. */
  #log: StoredEntry[] = [];
  /** The last entry of each key. */
  #last = new Map<string, StoredEntry>();
  #beats = new Map<string, StoredBeat>();
  /** Node ids that hold records the store lost: when they marked themselves last. */
  #marks = new Map<string, { readonly at: number }>();
  #revision = 0;
  #beatRevision = 0;
  readonly #followers = new Set<FollowHandlers>();
  readonly #historyWatchers = new Set<(entry: StoredEntry) => void>();

  constructor(options: MemoryControlPlaneOptions = {}) {
    this.#clock = options.clock ?? Date.now;
    this.beatTtlMs = options.beatTtlMs ?? 60_000;
  }

  async append(key: EntryKey, value: Uint8Array, options: AppendOptions = {}): Promise<number> {
    checkKey(key);
    const id = keyId(key);
    if (options.expect !== undefined) {
      const current = this.#last.get(id)?.revision ?? 0;
      if (current !== options.expect) throw new RevisionConflictError(keyText(key), options.expect);
    }
    const entry = stored(key, value, options.tombstone ?? false, ++this.#revision, this.#clock());
    this.#log.push(entry);
    this.#last.set(id, entry);
    if (inScope(key, "records")) for (const follower of this.#followers) deliver(() => follower.onEntry(copy(entry)));
    if (inHistory(key)) for (const watcher of this.#historyWatchers) deliver(() => watcher(copy(entry)));
    return entry.revision;
  }

  async register(entries: readonly RegisterEntry[]): Promise<Snapshot> {
    for (const { key, value, ifAbsent } of entries) {
      if (ifAbsent === true && this.#last.has(keyId(key))) continue;
      await this.append(key, value);
    }
    return this.#snapshot("records");
  }

  async read(scope: Scope, _options: { readonly atLeast?: number } = {}): Promise<Snapshot> {
    // One process: every read sees every finished write.
    return this.#snapshot(scope);
  }

  async get(key: EntryKey): Promise<StoredEntry | undefined> {
    const entry = this.#last.get(keyId(key));
    return entry === undefined ? undefined : copy(entry);
  }

  async follow(handlers: FollowHandlers, _options: FollowOptions = {}): Promise<Subscription> {
    handlers.onSnapshot(this.#snapshot("records"));
    this.#followers.add(handlers);
    return { stop: async () => void this.#followers.delete(handlers) };
  }

  async history(options: HistoryOptions = {}): Promise<StoredEntry[]> {
    const { capability, limit } = options;
    const entries = this.#log.filter((entry) => inHistory(entry.key) && (capability === undefined || capabilityOf(entry.key) === capability)).map(copy);
    if (limit === undefined) return entries;
    return limit <= 0 ? [] : entries.slice(-limit);
  }

  async watchHistory(onEntry: (entry: StoredEntry) => void): Promise<Subscription> {
    this.#historyWatchers.add(onEntry);
    return { stop: async () => void this.#historyWatchers.delete(onEntry) };
  }

  async beat(key: BeatKey, value: Uint8Array, options: { readonly expect: number; readonly tombstone?: boolean }): Promise<number> {
    checkKey(key);
    const id = beatId(key);
    const current = this.#live(this.#beats, id)?.revision ?? 0;
    if (current !== options.expect) throw new RevisionConflictError(`heartbeat of ${key.nodeId}@${key.incarnation}`, options.expect);
    const beat = stored(key, value, options.tombstone ?? false, ++this.#beatRevision, this.#clock());
    this.#beats.set(id, beat);
    return beat.revision;
  }

  async readBeats(): Promise<StoredBeat[]> {
    return [...this.#beats.keys()]
      .map((id) => this.#live(this.#beats, id))
      .filter((beat) => beat !== undefined)
      .map(copyBeat);
  }

  async readBeat(key: BeatKey): Promise<StoredBeat | undefined> {
    const beat = this.#live(this.#beats, beatId(key));
    return beat === undefined ? undefined : copyBeat(beat);
  }

  async lastBeat(): Promise<StoredBeat | undefined> {
    let last: StoredBeat | undefined;
    for (const id of [...this.#beats.keys()]) {
      const beat = this.#live(this.#beats, id);
      if (beat !== undefined && !beat.tombstone && (last === undefined || beat.revision > last.revision)) last = beat;
    }
    return last === undefined ? undefined : copyBeat(last);
  }

  async markRegression(nodeId: string): Promise<void> {
    checkKey({ nodeId });
    this.#marks.set(nodeId, { at: this.#clock() });
  }

  async regressionMarks(): Promise<string[]> {
    return [...this.#marks.keys()].filter((nodeId) => this.#live(this.#marks, nodeId) !== undefined);
  }

  async beatsOf(nodeId: string): Promise<StoredBeat[]> {
    const beats: StoredBeat[] = [];
    for (const id of [...this.#beats.keys()]) {
      const beat = this.#live(this.#beats, id);
      if (beat !== undefined && beat.key.nodeId === nodeId && !beat.tombstone) beats.push(copyBeat(beat));
    }
    return beats;
  }

  async serverTime(): Promise<number> {
    return this.#clock();
  }

  async compact(olderThanMs: number): Promise<number> {
    const cutoff = this.#clock() - olderThanMs;
    const gone = new Set<string>();
    for (const [id, entry] of this.#last) {
      if ((entry.key.kind === "member" || entry.key.kind === "build") && entry.tombstone && entry.at < cutoff) gone.add(id);
    }
    this.#log = this.#log.filter((entry) => !gone.has(keyId(entry.key)));
    for (const id of gone) this.#last.delete(id);
    return gone.size;
  }

  /** A copy of the whole state, to {@link restore} later. */
  backup(): MemoryBackup {
    return { log: [...this.#log], beats: [...this.#beats.values()], marks: new Map(this.#marks), revision: this.#revision };
  }

  /**
   * Puts back a state from {@link backup}, as restoring a backup does: what
   * was written since is lost and revisions go back. Followers get the
   * restored records as a snapshot, as a follower of a real store would
   * after reading everything again.
   */
  restore(backup: MemoryBackup): void {
    this.#log = [...backup.log];
    this.#last = new Map(backup.log.map((entry) => [keyId(entry.key), entry]));
    this.#beats = new Map(backup.beats.map((beat) => [beatId(beat.key), beat]));
    this.#marks = new Map(backup.marks);
    this.#revision = backup.revision;
    for (const follower of this.#followers) {
      const snapshot = this.#snapshot("records");
      deliver(() => follower.onSnapshot(snapshot));
    }
  }

  async close(): Promise<void> {
    this.#followers.clear();
    this.#historyWatchers.clear();
  }

  #snapshot(scope: Scope): Snapshot {
    const entries = [...this.#last.values()]
      .filter((entry) => inScope(entry.key, scope))
      .sort((a, b) => a.revision - b.revision)
      .map(copy);
    return { entries, position: this.#revision };
  }

  /** What `kept` holds under `id`, unless it is past the TTL (then it goes, as a bucket's max age removes it). */
  #live<T extends { readonly at: number }>(kept: Map<string, T>, id: string): T | undefined {
    const value = kept.get(id);
    if (value === undefined) return undefined;
    if (this.#clock() - value.at > this.beatTtlMs) {
      kept.delete(id);
      return undefined;
    }
    return value;
  }
}

function beatId(key: BeatKey): string {
  return JSON.stringify([key.nodeId, key.incarnation]);
}

/** An entry as a read hands it out: its value copied, its key (frozen when stored) shared. */
function copy(entry: StoredEntry): StoredEntry {
  return { ...entry, value: entry.value.slice() };
}

/** A heartbeat as a read hands it out: its value copied, its key (frozen when stored) shared. */
function copyBeat(beat: StoredBeat): StoredBeat {
  return { ...beat, value: beat.value.slice() };
}

/** Refuses a key with a field that is not a string (or null, a refusal's capability): kept as given, it could change under the plane. */
function checkKey(key: EntryKey | BeatKey | { readonly nodeId: string }): void {
  for (const [field, value] of Object.entries(key)) {
    if (typeof value !== "string" && value !== null)
      throw new InvalidRequestError(`the entry key's ${field} is ${typeof value}, not a string: keys hold names only`);
  }
}

function freeze<T extends object>(value: T): T {
  return Object.freeze(value);
}

function deliver(call: () => void): void {
  queueMicrotask(() => {
    try {
      call();
    } catch {
      // A follower's failure is its own; it must not stop delivery to others.
    }
  });
}

/**
 * What is stored of an entry or a heartbeat, frozen: its key copied (keys
 * hold strings only, checked before, so a frozen shallow copy is a whole one,
 * which reads hand out as it is) and its bytes copied.
 */
function stored<K extends EntryKey | BeatKey>(key: K, value: Uint8Array, tombstone: boolean, revision: number, at: number) {
  return freeze({ key: freeze({ ...key }), value: value.slice(), tombstone, revision, at });
}
