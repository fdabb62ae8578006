import type { JetStreamPublishOptions, SeqMsgRequest } from "@nats-io/jetstream";
import {
  type AppendOptions,
  type BeatKey,
  type ControlPlane,
  type EntryKey,
  type FollowHandlers,
  type FollowOptions,
  type HistoryOptions,
  inHistory,
  inScope,
  keyText,
  type RegisterEntry,
  RevisionConflictError,
  type Scope,
  type Snapshot,
  type StoredBeat,
  type StoredEntry,
  type Subscription,
} from "@twostep/fleet/control-plane";
import type { BeatStore } from "./beat-store.js";
import { checkRevision, checkWhole } from "./check-number.js";
import { entrySubject, historyFilters, parseEntrySubject } from "./entry-subject.js";
import { followStream } from "./follow-stream.js";
import type { NatsLayout } from "./nats-layout.js";
import type { NatsSession } from "./nats-session.js";
import { readFilter } from "./read-filter.js";
import { ReadCache } from "./read-cache.js";
import { readHistory } from "./read-history.js";
import { type FollowSeed, RecordFollower } from "./record-follower.js";
import { fromGet, type StoredMessage, tombstoneHeaders } from "./stored-message.js";
import { streamStateOf } from "./stream-state.js";
import { isWrongLastSequence } from "./translate-nats-error.js";

const empty = new Uint8Array(0);

/**
 * The control plane on NATS JetStream (see docs/nats.md): one stream is
 * the log of every keyed entry, in one order, and a KV-style stream keeps
 * the heartbeats. Reads run ephemeral consumers on any replica and wait
 * until the replica proves it holds the position asked for; followers
 * listen to what the stream republishes and hold no consumer while idle.
 * Errors are the typed errors of `@twostep/fleet`. Make one with
 * {@link connectNatsControlPlane}.
 */
export class NatsControlPlane implements ControlPlane {
  readonly #session: NatsSession;
  readonly #beats: BeatStore;
  readonly #resyncMs: number;
  readonly #followers = new Set<RecordFollower>();
  readonly #watches = new Set<Subscription>();
  /** The fleet's cache; a join marker or a foreign subject has no entry. */
  readonly #fleetCache: ReadCache<StoredEntry>;
  /** The records the last `register` read, for the `follow` that comes next (a joining node's), taken once. */
  #registered: FollowSeed | undefined;
  #closed = false;

  /** Use {@link connectNatsControlPlane}. */
  constructor(session: NatsSession, beats: BeatStore, resyncMs: number) {
    this.#session = session;
    this.#beats = beats;
    this.#resyncMs = resyncMs;
    this.#fleetCache = new ReadCache({
      stream: session.layout.fleetStream,
      filter: session.layout.fleetSubjects,
      kind: "log",
      valueOf: (message) => this.#entryOf(message),
    });
    void this.#watchConnection();
  }

  /** The names of the streams and subjects in use. */
  get layout(): NatsLayout {
    return this.#session.layout;
  }

  /** The heartbeat TTL in force (the heartbeat stream's max age), in ms. */
  get beatTtlMs(): number {
    return this.#beats.ttlMs;
  }

  async append(key: EntryKey, value: Uint8Array, options: AppendOptions = {}): Promise<number> {
    const subject = entrySubject(this.layout, key);
    const operation = `append ${keyText(key)}`;
    if (options.expect !== undefined) checkRevision(options.expect, operation);
    return this.#session.call(operation, async () => {
      const headers = tombstoneHeaders(options.tombstone);
      const publish: Partial<JetStreamPublishOptions> = {
        ...(options.expect === undefined ? {} : { expect: { lastSubjectSequence: options.expect } }),
        ...(headers === undefined ? {} : { headers }),
      };
      try {
        return (await this.#session.js.publish(subject, value, publish)).seq;
      } catch (error) {
        if (options.expect !== undefined && isWrongLastSequence(error)) throw new RevisionConflictError(keyText(key), options.expect, { cause: error });
        throw error;
      }
    });
  }

  /**
   * Appends `entries` (an `ifAbsent` one only when its subject has no
   * message), publishes a join marker on `<prefix>.fleet.r.j`, and reads the
   * records until the marker's sequence is delivered: the snapshot is as of
   * a position after every entry appended here. A `follow` from that
   * position (or below) that comes next starts from this read instead of
   * reading the records again, once the stream's leader shows nothing was
   * stored after it (see `RecordFollower`).
   */
  async register(entries: readonly RegisterEntry[]): Promise<Snapshot> {
    for (const { key, value, ifAbsent } of entries) {
      try {
        await this.append(key, value, ifAbsent === true ? { expect: 0 } : {});
      } catch (error) {
        if (!(ifAbsent === true && error instanceof RevisionConflictError)) throw error;
      }
    }
    const marker = await this.#session.call("register (join marker)", () => this.#session.js.publish(this.layout.joinSubject, empty));
    this.#registered = undefined;
    const { snapshot, behind, messages } = await this.#read("records", marker.seq, "register");
    // A store that went backwards is read again by the follower, which reports it.
    if (!behind) this.#registered = { snapshot: { entries: [...snapshot.entries], position: snapshot.position }, subjects: subjectsOf(messages) };
    return snapshot;
  }

  /**
   * Reads `scope` as of `atLeast`. The `fleet` scope is read through a
   * cache: the first read reads everything, later ones only what was stored
   * since the last (see `ReadCache`), so that a coordinator that reads the
   * fleet again pays for what changed.
   */
  async read(scope: Scope, options: { readonly atLeast?: number } = {}): Promise<Snapshot> {
    const atLeast = options.atLeast ?? 0;
    checkWhole(`read ${scope}: atLeast`, atLeast, 0);
    if (scope !== "fleet") return (await this.#read(scope, atLeast, `read ${scope}`)).snapshot;
    const read = await this.#session.call("read fleet", () => this.#fleetCache.read(this.#session, atLeast));
    return { entries: read.values, position: read.position };
  }

  async get(key: EntryKey): Promise<StoredEntry | undefined> {
    const subject = entrySubject(this.layout, key);
    const message = await this.#session.call(`get ${keyText(key)}`, () =>
      this.#session.jsm.streams.getMessage(this.layout.fleetStream, { last_by_subj: subject }),
    );
    return message === null ? undefined : this.#entryOf(fromGet(message));
  }

  /**
   * Subscribes to the republished records, reads a snapshot as of `from`,
   * then delivers each record as it is republished; resyncs on a gap and a
   * reconnect, and checks every `resyncMs` that nothing was missed (see
   * `RecordFollower`). Holds no consumer while idle. Right after `register`,
   * the snapshot is the one `register` read when nothing was stored since.
   */
  async follow(handlers: FollowHandlers, options: FollowOptions = {}): Promise<Subscription> {
    const from = options.from ?? 0;
    checkWhole("follow: from", from, 0);
    const session = this.#session;
    const seed = this.#registered !== undefined && this.#registered.snapshot.position >= from ? this.#registered : undefined;
    this.#registered = undefined;
    const follower = await session.call("follow the records", () =>
      RecordFollower.start(
        {
          session,
          readRecords: async (atLeast) => {
            const { snapshot, behind, messages } = await this.#read("records", atLeast, "follow the records (resync)");
            return { snapshot, behind, subjects: subjectsOf(messages) };
          },
          streamState: async () => {
            const info = await session.call("follow the records (stream info)", () => session.jsm.streams.info(this.layout.fleetStream));
            return streamStateOf(info);
          },
          subjectAt: async (seq) => {
            const message = await session.call("follow the records (check)", () => session.jsm.streams.getMessage(this.layout.fleetStream, { seq }));
            return message?.subject;
          },
          recordFrom: async (seq) => {
            const request: SeqMsgRequest & { next_by_subj: string } = { seq, next_by_subj: this.layout.recordValues };
            const message = await session.call("follow the records (check)", () => session.jsm.streams.getMessage(this.layout.fleetStream, request));
            return message === null ? undefined : { subject: message.subject, seq: message.seq };
          },
          entryOf: (message) => this.#entryOf(message),
          resyncMs: this.#resyncMs,
          onStop: (stopped) => this.#followers.delete(stopped),
        },
        handlers,
        from,
        seed,
      ),
    );
    this.#followers.add(follower);
    return follower;
  }

  async history(options: HistoryOptions = {}): Promise<StoredEntry[]> {
    const { capability, limit } = options;
    if (limit !== undefined) checkWhole("history: limit", limit, 0);
    const messages = await this.#session.call(`read the history${capability === undefined ? "" : ` of ${capability}`}`, () =>
      readHistory(this.#session, historyFilters(this.layout, capability)),
    );
    const entries = messages.map((message) => this.#entryOf(message)).filter((entry) => entry !== undefined && inHistory(entry.key)) as StoredEntry[];
    if (limit === undefined) return entries;
    return limit === 0 ? [] : entries.slice(-limit);
  }

  async watchHistory(onEntry: (entry: StoredEntry) => void): Promise<Subscription> {
    const session = this.#session;
    const watch = await session.call("watch the history", () =>
      followStream(session, {
        stream: this.layout.fleetStream,
        filter: this.layout.fleetSubjects,
        onMessage: (message) => {
          const entry = this.#entryOf(message);
          if (entry === undefined || !inHistory(entry.key)) return;
          try {
            onEntry(entry);
          } catch (error) {
            session.logger.error({ err: error }, "a history watcher threw; delivery goes on");
          }
        },
      }),
    );
    const subscription: Subscription = {
      stop: async () => {
        this.#watches.delete(subscription);
        await watch.stop();
      },
    };
    this.#watches.add(subscription);
    return subscription;
  }

  beat(key: BeatKey, value: Uint8Array, options: { readonly expect: number; readonly tombstone?: boolean }): Promise<number> {
    return this.#beats.beat(key, value, options);
  }

  readBeats(): Promise<StoredBeat[]> {
    return this.#beats.readBeats();
  }

  readBeat(key: BeatKey): Promise<StoredBeat | undefined> {
    return this.#beats.readBeat(key);
  }

  lastBeat(): Promise<StoredBeat | undefined> {
    return this.#beats.lastBeat();
  }

  markRegression(nodeId: string): Promise<void> {
    return this.#beats.markRegression(nodeId);
  }

  regressionMarks(): Promise<string[]> {
    return this.#beats.regressionMarks();
  }

  beatsOf(nodeId: string): Promise<StoredBeat[]> {
    return this.#beats.beatsOf(nodeId);
  }

  serverTime(): Promise<number> {
    return this.#beats.serverTime();
  }

  /**
   * Purges every member and build subject whose last message is a
   * tombstone stored before `olderThanMs` ago (server time), and every join
   * marker but the last. Needs release-manager credentials (stream purge).
   * Returns how many keys went.
   */
  async compact(olderThanMs: number): Promise<number> {
    checkWhole("compact: olderThanMs", olderThanMs, 0);
    const cutoff = (await this.serverTime()) - olderThanMs;
    const { snapshot } = await this.#read("fleet", 0, "compact");
    const { jsm } = this.#session;
    const stream = this.layout.fleetStream;
    let purged = 0;
    for (const entry of snapshot.entries) {
      if (!((entry.key.kind === "member" || entry.key.kind === "build") && entry.tombstone && entry.at < cutoff)) continue;
      const filter = entrySubject(this.layout, entry.key);
      // Up to the tombstone only: an entry stored after it (the key reused) stays.
      await this.#session.call(`compact ${keyText(entry.key)}`, () => jsm.streams.purge(stream, { filter, seq: entry.revision + 1 }));
      purged++;
    }
    this.#fleetCache.clear();
    await this.#session.call("compact the join markers", () => jsm.streams.purge(stream, { filter: this.layout.joinSubject, keep: 1 }));
    return purged;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#followers, ...this.#watches].map((subscription) => subscription.stop()));
    await this.#session.connection.close();
  }

  /** Reads `scope` as of `atLeast`: the last entry of each key, join markers and foreign subjects left out (`messages`: every one read). */
  async #read(scope: Scope, atLeast: number, operation: string): Promise<{ snapshot: Snapshot; behind: boolean; messages: readonly StoredMessage[] }> {
    const filter = scope === "records" ? this.layout.recordsFilter : scope === "control" ? this.layout.controlFilter : this.layout.fleetSubjects;
    const read = await this.#session.call(operation, () =>
      readFilter(this.#session, { stream: this.layout.fleetStream, filter, deliver: "last-per-subject", atLeast }),
    );
    return { snapshot: { entries: this.#entriesOf(read.messages, scope), position: read.position }, behind: read.behind, messages: read.messages };
  }

  /** The entries of `scope` that messages of the log stand for, join markers and foreign subjects left out. */
  #entriesOf(messages: readonly StoredMessage[], scope: Scope): StoredEntry[] {
    const entries: StoredEntry[] = [];
    for (const message of messages) {
      const entry = this.#entryOf(message);
      if (entry !== undefined && inScope(entry.key, scope)) entries.push(entry);
    }
    return entries;
  }

  /** The entry a message of the log stands for; undefined for a join marker, and for a foreign subject (reported). */
  #entryOf(message: StoredMessage): StoredEntry | undefined {
    const meaning = parseEntrySubject(this.layout, message.subject);
    if (meaning.kind === "join") return undefined;
    if (meaning.kind === "malformed") {
      this.#session.malformed({ stream: this.layout.fleetStream, subject: message.subject, seq: message.seq, problem: meaning.problem });
      return undefined;
    }
    // Frozen: the read cache hands the same entry to every read, and a coordinator keeps what it made of it.
    return Object.freeze({ key: Object.freeze(meaning.key), value: message.data, tombstone: message.tombstone, revision: message.seq, at: message.at });
  }

  /** Resyncs every follower after a reconnect or a slow-consumer report: republished messages may have been lost. */
  async #watchConnection(): Promise<void> {
    for await (const status of this.#session.connection.status()) {
      if (status.type === "reconnect" || status.type === "slowConsumer") {
        this.#session.logger.info({ status: status.type }, "connection event; resyncing followers");
        for (const follower of this.#followers) follower.resync(status.type);
      }
    }
  }
}

/** The last sequence of every subject among `messages` (the last message of each subject, in stream order). */
function subjectsOf(messages: readonly StoredMessage[]): Map<string, number> {
  return new Map(messages.map((message) => [message.subject, message.seq]));
}
