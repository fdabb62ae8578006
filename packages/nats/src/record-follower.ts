import { type Msg, type NatsConnection, type Subscription as NatsSubscription, TimeoutError } from "@nats-io/transport-node";
import type { FollowHandlers, Snapshot, StoredEntry, Subscription } from "@twostep/fleet/control-plane";
import type { NatsSession } from "./nats-session.js";
import { fromRepublished, type RepublishedMessage, type StoredMessage } from "./stored-message.js";
import { nothingRemoved, type StreamState, unchanged } from "./stream-state.js";

/** What a {@link RecordFollower} needs of the control plane. */
export interface FollowerParts {
  readonly session: NatsSession;
  /**
   * Reads the `records` scope as of `atLeast`; `behind` when the store holds
   * less. `subjects`: the last sequence of every subject read, those the
   * snapshot leaves out (join markers, subjects not twostep's) included.
   */
  readonly readRecords: (atLeast: number) => Promise<{ snapshot: Snapshot; behind: boolean; subjects: ReadonlyMap<string, number> }>;
  /**
   * The log's stream as its leader says (any replica, while it has none):
   * when it was created, which sequences it holds and how many messages.
   */
  readonly streamState: () => Promise<StreamState>;
  /** The subject of the log's message at `seq`, from its leader, or undefined when it holds none there. */
  readonly subjectAt: (seq: number) => Promise<string | undefined>;
  /** The first record (a message the stream republishes) at or after `seq`, from the leader, or undefined. */
  readonly recordFrom: (seq: number) => Promise<{ readonly subject: string; readonly seq: number } | undefined>;
  /** The entry a message stands for, or undefined (reported) when its subject is not twostep's. */
  readonly entryOf: (message: StoredMessage) => StoredEntry | undefined;
  /** The backstop period, in ms: the first wait is random within it, later ones jittered by ±20 %. */
  readonly resyncMs: number;
  /** Called once the follower stopped. */
  readonly onStop: (follower: RecordFollower) => void;
  /** Every this many backstops, one reads everything again even when the check finds nothing missed. Defaults to 10. */
  readonly fullResyncEvery?: number;
  /**
   * Every this many backstops (a multiple of `fullResyncEvery`), one reads
   * everything again even when nothing was removed from the stream since
   * the last reads. Defaults to 100.
   */
  readonly quietResyncEvery?: number;
  /** Republished messages kept while a resync runs, at most; one more makes it read everything again once it ends. Defaults to 100,000. */
  readonly maxBuffered?: number;
}

/**
 * A snapshot read before the follower subscribed (by `register`, on the same
 * connection), with the last sequence of every subject read, as
 * {@link FollowerParts.readRecords} gives them.
 */
export interface FollowSeed {
  readonly snapshot: Snapshot;
  readonly subjects: ReadonlyMap<string, number>;
}

/** While the stream does not change, a check asks whether the newest record held is still at its sequence this often. */
const askNewestEvery = 10;
/** Republished messages kept while a resync runs, by default. */
const defaultMaxBuffered = 100_000;
/** Waits between failed resyncs, the last one repeated (capped by the resync period). */
const retryMs = [500, 1_000, 2_000, 5_000, 10_000, 30_000];
/** A check that finds more records stored since the last snapshot than this reads everything again instead. */
const maxChecked = 100;

/**
 * Follows the records without a consumer while idle: a core NATS
 * subscription to what the stream republishes (`<prefix>.follow.>`),
 * made before the first read so that nothing stored after the read is
 * missed. A snapshot comes from a read of the `records` scope; then each
 * republished message above its position is delivered as an entry. Per
 * subject the follower knows the last sequence delivered, and every
 * republished message names the sequence its subject had before
 * (`Nats-Last-Sequence`): a mismatch is a gap, and the follower reads
 * everything again (a resync) and delivers it as a snapshot. It also
 * resyncs after a reconnect or a slow-consumer report (messages may have
 * been lost). Every `resyncMs` a backstop checks with the stream's leader
 * that nothing was missed (a gap shows only at the next message of the same
 * subject, and a leader that crashed between storing and republishing
 * republishes nothing): the stream is the one read before and holds at least
 * what was delivered, the last record delivered is still where it was, and
 * every record stored since the last snapshot was delivered. Three requests
 * and no consumer, two when nothing was stored since the last check, and
 * one (the newest record asked about every tenth time) while nothing was
 * stored or removed at all; anything else resyncs, and so does every tenth
 * backstop, or every hundredth while nothing was removed from the stream
 * since before the last two reads (members joining and leaving only add to
 * it): an idle fleet's backstops cost its server about a question each.
 */
export class RecordFollower implements Subscription {
  readonly #parts: FollowerParts;
  readonly #handlers: FollowHandlers;
  #subscription: NatsSubscription | undefined;
  #stopped = false;
  /** False while a resync runs: republished messages wait in {@link RecordFollower.#buffer}. */
  #live = false;
  #buffer: RepublishedMessage[] = [];
  /** The last sequence known per subject: from the last snapshot's read, then from each message republished. */
  #last = new Map<string, number>();
  /** The position of the last snapshot. */
  #position = 0;
  /** The position the next snapshot must reach: `from`, and every revision delivered since. */
  #floor: number;
  #created: string | undefined;
  #syncing = false;
  #again = false;
  #timer: NodeJS.Timeout | undefined;
  /** Counts snapshots taken: a backstop check that saw one taken meanwhile changes nothing. */
  #syncs = 0;
  #backstops = 0;
  /** The stream as it was when a check last found the newest record held at its sequence, and the checks since that did not ask. */
  #askedAt: StreamState | undefined;
  #unasked = 0;
  /** The stream as it was just before the last read. */
  #lastBefore: StreamState | undefined;
  /**
   * True when nothing was removed from it between just before the read
   * before and just before the last: a read may run on a replica that has
   * not applied a removal the state before it showed, and the read after it
   * has not.
   */
  #readTwice = false;

  private constructor(parts: FollowerParts, handlers: FollowHandlers, from: number) {
    this.#parts = parts;
    this.#handlers = handlers;
    this.#floor = from;
  }

  /**
   * Subscribes, delivers the first snapshot and starts following; rejects (leaving nothing behind) when the first read fails.
   * With a `seed` as of `from` or later, the first snapshot is the seed, without a read, when the leader shows that no
   * record was stored after it (see {@link RecordFollower.#adopt}); otherwise the records are read.
   */
  static async start(parts: FollowerParts, handlers: FollowHandlers, from: number, seed?: FollowSeed): Promise<RecordFollower> {
    const follower = new RecordFollower(parts, handlers, from);
    const { connection, layout } = parts.session;
    follower.#subscription = connection.subscribe(layout.followSubjects, { callback: (error, message) => follower.#receive(error, message) });
    follower.#syncing = true;
    try {
      // The server has the subscription before the read starts: whatever is stored after the read is republished to it.
      await flushWithin(connection, parts.session.timeoutMs);
      if (seed === undefined || !(await follower.#adopt(seed))) await follower.#sync("start");
    } catch (error) {
      follower.#halt();
      throw error;
    } finally {
      follower.#syncing = false;
    }
    if (follower.#again) follower.resync("asked again while starting");
    follower.#schedule(true);
    return follower;
  }

  /** Reads everything again and delivers it as a snapshot, now or once the resync under way ends. */
  resync(reason: string): void {
    if (this.#stopped) return;
    if (this.#syncing) {
      this.#again = true;
      return;
    }
    void this.#resyncUntilDone(reason);
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#halt();
    this.#parts.onStop(this);
  }

  #halt(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#subscription?.unsubscribe();
    this.#buffer = [];
  }

  #receive(error: Error | null, message: Msg): void {
    if (this.#stopped) return;
    if (error !== null) {
      this.#parts.session.logger.warn({ err: error }, "the follow subscription failed; resyncing");
      this.resync("subscription error");
      return;
    }
    const republished = fromRepublished(message, Date.now());
    if (republished === undefined) {
      this.#parts.session.logger.warn({ subject: message.subject }, "ignored a message on the follow subjects that the stream did not republish");
      return;
    }
    if (this.#live) this.#take(republished, false);
    else if (this.#buffer.length < (this.#parts.maxBuffered ?? defaultMaxBuffered)) this.#buffer.push(republished);
    else if (!this.#again) {
      // Dropped: it may be stored after the position the resync under way reads, so another resync reads it.
      this.#parts.session.logger.warn({ buffered: this.#buffer.length }, "too many records republished during a resync; reading everything again after it");
      this.#again = true;
    }
  }

  /** Delivers a republished message, or resyncs on a gap; `buffered` when it arrived while the snapshot was read. */
  #take(message: RepublishedMessage, buffered: boolean): void {
    const known = this.#last.get(message.subject) ?? 0;
    if (message.seq === known || (buffered && message.seq <= this.#position)) return;
    if (message.seq < known || message.seq <= this.#position) {
      // Older than what the snapshot holds, arriving after it: the stream went backwards (recreated, restored), or its republish was late.
      this.#live = false;
      this.resync(`${message.subject} came back at sequence ${message.seq}, below ${Math.max(known, this.#position)}`);
      return;
    }
    if (message.previous !== known) {
      // From here on messages wait for the resync's snapshot.
      this.#live = false;
      this.resync(`gap on ${message.subject}: sequence ${message.seq} follows ${message.previous}, the last one seen was ${known}`);
      return;
    }
    this.#last.set(message.subject, message.seq);
    this.#floor = Math.max(this.#floor, message.seq);
    const entry = this.#parts.entryOf(message);
    if (entry !== undefined) this.#call(() => this.#handlers.onEntry(entry));
  }

  async #resyncUntilDone(reason: string): Promise<void> {
    this.#syncing = true;
    let why = reason;
    for (let failures = 0; !this.#stopped; ) {
      try {
        this.#again = false;
        await this.#sync(why);
        if (!this.#again) break;
        why = "asked again during a resync";
      } catch (error) {
        const waitMs = Math.min(retryMs[Math.min(failures, retryMs.length - 1)] ?? 0, this.#parts.resyncMs);
        failures++;
        this.#parts.session.logger.warn({ err: error, reason: why, retryInMs: waitMs }, "a follower could not resync; trying again");
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    }
    this.#syncing = false;
  }

  /** Reads the records as of the floor, delivers them as a snapshot, then what was republished meanwhile. */
  async #sync(reason: string): Promise<void> {
    const { session } = this.#parts;
    this.#live = false;
    this.#buffer = [];
    const before = await this.#parts.streamState();
    const created = before.created;
    const recreated = this.#created !== undefined && created !== this.#created;
    if (recreated) session.logger.warn({ stream: session.layout.fleetStream, was: this.#created, now: created }, "the log's stream was recreated");
    this.#created = created;
    const { snapshot, behind, subjects } = await this.#parts.readRecords(recreated ? 0 : this.#floor);
    if (this.#stopped) return;
    if (behind || recreated)
      session.logger.warn({ position: snapshot.position, floor: this.#floor, reason }, "the store went backwards; delivering what it holds");
    else session.logger.debug({ position: snapshot.position, reason }, "resynced");
    // Every subject read, not only those of the snapshot's entries: one that is not twostep's is republished too, naming
    // the sequence it had before, which is no gap.
    this.#last = new Map(subjects);
    this.#position = snapshot.position;
    this.#readTwice = nothingRemoved(this.#lastBefore, before);
    this.#lastBefore = before;
    // After a store went backwards the follower has been shown so: later snapshots need only be as new as this one.
    this.#deliverSnapshot(snapshot, behind || recreated ? snapshot.position : Math.max(this.#floor, snapshot.position));
  }

  /**
   * Takes a snapshot read before the subscription was made as the first
   * one, without reading the records again. A record stored between that
   * read and the subscription was republished to nobody here, so the seed
   * is taken only when the backstop's check with the stream's leader finds
   * nothing stored after it (at or above `from`, the stream holding at
   * least that much, and no record stored after the seed's position); then
   * everything stored later reaches the subscription. Returns false, having
   * delivered nothing, when the check finds anything or the seed is older
   * than `from`: the caller reads the records instead.
   */
  async #adopt(seed: FollowSeed): Promise<boolean> {
    if (seed.snapshot.position < this.#floor) return false;
    const state = await this.#parts.streamState();
    this.#created = state.created;
    this.#last = new Map(seed.subjects);
    this.#position = seed.snapshot.position;
    // Read by register before this state was asked: what the stream held then is not known here.
    this.#lastBefore = undefined;
    this.#readTwice = false;
    const found = await this.#check(state);
    if (this.#stopped) return true;
    if (found !== undefined) {
      this.#parts.session.logger.debug({ position: seed.snapshot.position, found }, "the snapshot read at registration is not the latest; reading again");
      return false;
    }
    this.#parts.session.logger.debug({ position: seed.snapshot.position }, "following from the snapshot read at registration");
    this.#deliverSnapshot(seed.snapshot, Math.max(this.#floor, seed.snapshot.position));
    return true;
  }

  /** Delivers `snapshot` (its subjects and position taken already), then what was republished meanwhile, and goes live. */
  #deliverSnapshot(snapshot: Snapshot, floor: number): void {
    this.#syncs++;
    this.#askedAt = undefined;
    this.#floor = floor;
    this.#call(() => this.#handlers.onSnapshot(snapshot));
    const buffered = this.#buffer;
    this.#buffer = [];
    this.#live = true;
    for (const message of buffered) {
      if (!this.#live || this.#stopped) break;
      this.#take(message, true);
    }
  }

  /**
   * Schedules the next backstop. The first wait is random within the
   * period, so that followers started together (a fleet deployed at once,
   * or reconnected after a server restart) spread their checks evenly.
   */
  #schedule(first = false): void {
    const period = this.#parts.resyncMs;
    const wait = first ? period * Math.random() : period * (0.8 + 0.4 * Math.random());
    this.#timer = setTimeout(() => {
      this.#backstop();
      this.#schedule();
    }, wait);
    this.#timer.unref();
  }

  /**
   * A backstop: the check, then, every `fullResyncEvery` backstops, a read
   * of everything again, unless nothing was removed from the stream since
   * just before the last two reads: the check found every record stored
   * since delivered, so such a read would give what the follower holds.
   * Then it reads again only every `quietResyncEvery` backstops.
   */
  #backstop(): void {
    if (this.#stopped) return;
    const backstop = ++this.#backstops;
    if (this.#syncing || !this.#live) {
      this.resync("periodic");
      return;
    }
    const syncs = this.#syncs;
    this.#parts
      .streamState()
      .then(async (now) => {
        const found = await this.#check(now);
        if (this.#stopped || this.#syncs !== syncs) return;
        if (found !== undefined) this.resync(`periodic check: ${found}`);
        else if (backstop % (this.#parts.fullResyncEvery ?? 10) !== 0) return;
        else if (!this.#readTwice || !nothingRemoved(this.#lastBefore, now) || backstop % (this.#parts.quietResyncEvery ?? 100) === 0) this.resync("periodic");
      })
      .catch((error: unknown) => {
        this.#parts.session.logger.debug({ err: error }, "a periodic check failed; resyncing");
        this.resync("periodic check failed");
      });
  }

  /**
   * Asks the stream's leader, whose `state` was just told, whether this follower missed anything: the
   * stream is the one read before and holds at least what was delivered; the
   * last record delivered is still there; and every record stored after the
   * last snapshot's position was delivered (or superseded by one delivered:
   * a delivered message names the one before it). Returns what differs, or
   * undefined; when nothing does, the position checked becomes the
   * snapshot's, so that the next check starts from there.
   */
  async #check(state: StreamState): Promise<string | undefined> {
    const syncs = this.#syncs;
    const { created, lastSeq } = state;
    if (created !== this.#created) return "the stream was recreated";
    if (lastSeq < this.#floor) return `the stream's last sequence ${lastSeq} is below ${this.#floor}, which this follower holds`;
    // Found at its sequence, and nothing stored or removed since: only every tenth check asks again. A restored backup
    // that grew back to the very same state in between is left to that, to the read of every hundredth check, and to
    // coordinators, which see the revisions the node reports that the store lacks.
    if (unchanged(this.#askedAt, state) && this.#unasked < askNewestEvery - 1) this.#unasked++;
    else {
      const newest = this.#newestHeld();
      if (newest !== undefined && (await this.#parts.subjectAt(newest[1])) !== newest[0]) return `sequence ${newest[1]} no longer holds ${newest[0]}`;
      if (this.#syncs === syncs) {
        this.#askedAt = state;
        this.#unasked = 0;
      }
    }
    // Nothing stored after what the last snapshot or check covered: a walk would find nothing.
    if (this.#position >= lastSeq) return undefined;
    let from = this.#position + 1;
    for (let checked = 0; checked < maxChecked; checked++) {
      const next = await this.#parts.recordFrom(from);
      if (next === undefined || next.seq > lastSeq) {
        if (this.#syncs === syncs && this.#live) this.#position = Math.max(this.#position, lastSeq);
        return undefined;
      }
      if ((this.#last.get(next.subject) ?? 0) < next.seq) return `${next.subject} at sequence ${next.seq} was not delivered`;
      from = next.seq + 1;
    }
    return `more than ${maxChecked} records were stored since the last snapshot`;
  }

  /** The subject and sequence of the newest record held, or undefined when none is. */
  #newestHeld(): [string, number] | undefined {
    let newest: [string, number] | undefined;
    for (const held of this.#last) if (held[1] > 0 && (newest === undefined || held[1] > newest[1])) newest = held;
    return newest;
  }

  #call(handler: () => void): void {
    try {
      handler();
    } catch (error) {
      // A follower's failure is its own: delivery goes on.
      this.#parts.session.logger.error({ err: error }, "a follow handler threw");
    }
  }
}

/** Waits until the server has processed everything sent so far (a PING answered); rejects with `TimeoutError` after `timeoutMs`. */
async function flushWithin(connection: NatsConnection, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError()), timeoutMs);
  });
  try {
    await Promise.race([connection.flush(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
