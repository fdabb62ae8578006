import type { NatsSession } from "./nats-session.js";
import { type FilterReadResult, readFilter } from "./read-filter.js";
import type { StoredMessage } from "./stored-message.js";
import { nothingRemoved, type StreamState, streamStateOf } from "./stream-state.js";

/** What a {@link ReadCache} reads, and what it makes of each message. */
export interface CachedRead<T> {
  readonly stream: string;
  /** Every subject of the stream. */
  readonly filter: string;
  /**
   * `log`: the last message of each subject of a stream that keeps its
   * history (only a purge removes messages); `beats`: a stream that keeps
   * one message per subject, so that every message is the last of its
   * subject (a rewrite or expiry removes the one before).
   */
  readonly kind: "log" | "beats";
  /**
   * What a message stands for (an entry, a heartbeat), or undefined to leave
   * it out. Called once per message: the same message comes back read after
   * read, and its value with it.
   */
  readonly valueOf: (message: StoredMessage) => T | undefined;
}

/** What a {@link ReadCache} read: the value of each message that has one, in stream order. */
export interface CachedReadResult<T> extends Omit<FilterReadResult, "messages"> {
  readonly values: T[];
}

/**
 * Two readings of one stored time, in ms, may differ by this much: a
 * consumer's is cut from a count of nanoseconds, a get's from a text, both
 * at the millisecond, and a client that rounds either may land on the next.
 */
const sameTimeMs = 1;

/**
 * The last message of every subject of a stream, as a process that reads
 * it again and again (a coordinator, a dashboard) holds it: the first read
 * reads everything; each later one only what was stored since the last
 * (a consumer from the next sequence on), laid over what it holds, and
 * none at all when nothing was (the stream's last sequence is still the
 * one read up to). The cost of a read then grows with what changed, not
 * with the fleet.
 *
 * A later read reads everything again when the stream may have lost what
 * is held, as its leader tells before the read: it was recreated (another
 * `created`), its last sequence is below what was read, it holds fewer
 * messages than it did plus those stored since (a purge: compaction), or
 * the newest message held is no longer at its sequence, as its subject,
 * bytes and the time it was stored tell (a restored backup that grew
 * since: it keeps the stream's `created`). Reads run one at a time.
 */
export class ReadCache<T> {
  readonly #read: CachedRead<T>;
  /** By subject, in stream order: a subject stored again moves to the end. */
  #held = new Map<string, StoredMessage>();
  /** The message of the highest sequence held. */
  #newest: StoredMessage | undefined;
  #position = 0;
  #mark: StreamState | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  /** The value of each message held that has one, by subject, in the order of `#held`: made once, as the message is held. */
  #values = new Map<string, T>();

  constructor(read: CachedRead<T>) {
    this.#read = read;
  }

  /** Forgets what is held: the next read reads everything. */
  clear(): void {
    this.#mark = undefined;
    this.#held = new Map();
    this.#values = new Map();
    this.#newest = undefined;
    this.#position = 0;
  }

  /**
   * Notes that the message stored at `seq` is one that no read keeps a
   * value of (the clock's): when it is the next after what is held, what is
   * held is complete up to it, and a read need not fetch it. A message
   * stored in between makes this a no-op (a read fetches both).
   */
  passOver(seq: number): void {
    const run = this.#queue.then(() => {
      if (this.#mark !== undefined && seq === this.#position + 1) this.#position = seq;
    });
    this.#queue = run;
  }

  /**
   * The last message of every subject, complete up to a position of at
   * least `atLeast` (see `readFilter`), in stream order; `keep` leaves out
   * (and forgets) messages that no longer count (heartbeats past their TTL).
   */
  read(session: NatsSession, atLeast: number, keep?: (message: StoredMessage) => boolean): Promise<CachedReadResult<T>> {
    const run = this.#queue.then(() => this.#readNow(session, atLeast, keep));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #readNow(session: NatsSession, atLeast: number, keep: ((message: StoredMessage) => boolean) | undefined): Promise<CachedReadResult<T>> {
    const { stream, filter, kind } = this.#read;
    const info = await session.jsm.streams.info(stream);
    const mark = streamStateOf(info);
    const delta = this.#mark !== undefined && (await this.#continues(session, this.#mark, mark));
    if (delta && mark.lastSeq <= this.#position && atLeast <= this.#position) {
      // Nothing stored since the last read, and nothing asked beyond it: what is held is the answer, no consumer needed.
      this.#mark = mark;
      return this.#heldResult(keep);
    }
    // At least what the stream held when the read began (the filter is the whole stream): the pending count a
    // consumer reads from a start sequence carries can reach 0 early on nats-server 2.9.10, which alone would end
    // a read at an older position.
    const until = Math.max(atLeast, mark.lastSeq);
    const result = delta
      ? await readFilter(session, { stream, filter, deliver: "all", atLeast: until, from: this.#position + 1 })
      : await readFilter(session, { stream, filter, deliver: kind === "log" ? "last-per-subject" : "all", atLeast: until });
    if (result.behind) {
      // The store went backwards: hold nothing, and say what it holds now. Its leader was just seen to hold less than
      // asked for long enough: the read again is as of what it holds, and does not wait for the rest a second time.
      this.clear();
      const holds = Math.min(atLeast, result.position);
      const fresh = delta ? await readFilter(session, { stream, filter, deliver: kind === "log" ? "last-per-subject" : "all", atLeast: holds }) : result;
      const values: T[] = [];
      for (const message of fresh.messages) {
        const value = this.#read.valueOf(message);
        if (value !== undefined) values.push(value);
      }
      return { values, position: fresh.position, behind: fresh.position < atLeast };
    }
    if (!delta) this.clear();
    for (const message of result.messages) {
      const subject = message.subject;
      const known = this.#held.get(subject);
      if (known !== undefined && known.seq >= message.seq) continue;
      // A subject stored again moves to the end, in both maps: they stay in one order.
      this.#held.delete(subject);
      this.#held.set(subject, message);
      this.#values.delete(subject);
      const value = this.#read.valueOf(message);
      if (value !== undefined) this.#values.set(subject, value);
      if (this.#newest === undefined || message.seq > this.#newest.seq) this.#newest = message;
    }
    this.#position = Math.max(result.position, delta ? this.#position : 0);
    this.#mark = mark;
    return this.#heldResult(keep);
  }

  /** The values of the messages held that `keep` keeps, in stream order; forgets the others. */
  #heldResult(keep: ((message: StoredMessage) => boolean) | undefined): CachedReadResult<T> {
    if (keep !== undefined) {
      for (const message of this.#held.values()) {
        if (keep(message)) continue;
        this.#held.delete(message.subject);
        this.#values.delete(message.subject);
      }
    }
    return { values: [...this.#values.values()], position: this.#position, behind: false };
  }

  /** True when what is held, as of `before`, is still in the stream as `now` shows it. */
  async #continues(session: NatsSession, before: StreamState, now: StreamState): Promise<boolean> {
    if (now.created !== before.created || now.lastSeq < this.#position) return false;
    if (this.#read.kind === "beats") return true;
    // Nothing leaves a log but by a purge: every sequence stored since is one more message.
    if (!nothingRemoved(before, now)) return false;
    const newest = this.#newest;
    if (newest === undefined) return true;
    // The time it was stored, too: a restored backup that grew past this sequence may hold a message of the same
    // subject and bytes there (a join marker is always empty), stored later.
    const stored = await session.jsm.streams.getMessage(this.#read.stream, { seq: newest.seq });
    return (
      stored !== null &&
      stored.subject === newest.subject &&
      Buffer.compare(stored.data, newest.data) === 0 &&
      Math.abs(stored.time.getTime() - newest.at) <= sameTimeMs
    );
  }
}
