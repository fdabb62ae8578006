import type { JetStreamPublishOptions } from "@nats-io/jetstream";
import { type BeatKey, RevisionConflictError, type StoredBeat } from "@twostep/fleet/control-plane";
import { beatSubject, beatSubjectsOf, markSubject, parseBeatSubject } from "./entry-subject.js";
import type { NatsSession } from "./nats-session.js";
import { ReadCache } from "./read-cache.js";
import { fromGet, type StoredMessage, tombstoneHeaders } from "./stored-message.js";
import { checkRevision } from "./check-number.js";
import { isWrongLastSequence } from "./translate-nats-error.js";

const empty = new Uint8Array(0);
/** How many stored messages {@link BeatStore.lastBeat} looks at, at most, to pass over tombstones. */
const LOOK_BACK = 64;

/**
 * The heartbeats, in a KV-style stream (`KV_<prefix>_beats`, history 1,
 * max age = the TTL): one subject per incarnation, compare-and-set by the
 * subject's last sequence, and the server's timestamps as the clock.
 */
export class BeatStore {
  readonly #session: NatsSession;
  /** The TTL in force: the stream's max age. */
  readonly ttlMs: number;

  /** The heartbeats' cache; the clock and a foreign subject have no heartbeat. */
  readonly #cache: ReadCache<StoredBeat>;

  constructor(session: NatsSession, ttlMs: number) {
    this.#session = session;
    this.ttlMs = ttlMs;
    this.#cache = new ReadCache({
      stream: session.layout.beatsStream,
      filter: session.layout.beatsSubjects,
      kind: "beats",
      valueOf: (message) => this.#beatOf(message),
    });
  }

  /**
   * Stores a heartbeat if the subject's last sequence is `expect`. An
   * expected 0 also replaces a heartbeat that is past the TTL but not yet
   * removed by the server (it expires on the server's own schedule), as if
   * it were gone already.
   */
  async beat(key: BeatKey, value: Uint8Array, options: { readonly expect: number; readonly tombstone?: boolean }): Promise<number> {
    const what = `heartbeat of ${key.nodeId}@${key.incarnation}`;
    checkRevision(options.expect, `beat ${what}`);
    const subject = beatSubject(this.#session.layout, key);
    return this.#session.call(`beat ${what}`, async () => {
      try {
        return await this.#publish(subject, value, options.expect, options.tombstone);
      } catch (error) {
        if (!isWrongLastSequence(error)) throw error;
        const expired = options.expect === 0 ? await this.#expiredLast(subject) : undefined;
        if (expired !== undefined) {
          try {
            return await this.#publish(subject, value, expired, options.tombstone);
          } catch (retryError) {
            if (!isWrongLastSequence(retryError)) throw retryError;
          }
        }
        throw new RevisionConflictError(what, options.expect, { cause: error });
      }
    });
  }

  /**
   * The last heartbeat of every incarnation, leaving out those past the TTL
   * by the server's clock. Read through a cache: later reads read only the
   * heartbeats stored since the last (see `ReadCache`).
   */
  async readBeats(): Promise<StoredBeat[]> {
    const session = this.#session;
    const now = await this.serverTime();
    // The clock first, so that its message is not stored during the read; a heartbeat stored after it is never judged expired.
    const read = await session.call("read the heartbeats", () => this.#cache.read(session, 0, (message) => now - message.at <= this.ttlMs));
    return read.values;
  }

  /** The last heartbeat of one incarnation, as the stream leader holds it, or undefined. */
  async readBeat(key: BeatKey): Promise<StoredBeat | undefined> {
    const subject = beatSubject(this.#session.layout, key);
    const message = await this.#session.call(`read the heartbeat of ${key.nodeId}@${key.incarnation}`, () => this.#last(subject));
    return message === undefined ? undefined : this.#beatOf(message);
  }

  /**
   * The heartbeat stored last (see `ControlPlane.lastBeat`): the last
   * message on the heartbeat subjects (the clock's is not one), then, past a
   * tombstone, the messages stored before it, one `STREAM.MSG.GET` each, at
   * most {@link LOOK_BACK} of them. A node's credentials allow it: the gets
   * its own heartbeat's reads take.
   */
  async lastBeat(): Promise<StoredBeat | undefined> {
    const { jsm, layout } = this.#session;
    return this.#session.call("read the last heartbeat", async () => {
      const last = await jsm.streams.getMessage(layout.beatsStream, { last_by_subj: `$KV.${layout.beatsBucket}.*.*` });
      if (last === null) return undefined;
      for (let seq = last.seq, looked = 0; seq >= 1 && looked < LOOK_BACK; seq--, looked++) {
        const found = seq === last.seq ? last : await jsm.streams.getMessage(layout.beatsStream, { seq });
        // Gone (replaced by a later one of its key, or expired), or the clock.
        if (found === null) continue;
        const message = fromGet(found);
        const beat = message.tombstone ? undefined : this.#beatOf(message);
        if (beat !== undefined) return beat;
      }
      return undefined;
    });
  }

  /** Marks a node id as holding records the store lost (see `ControlPlane.markRegression`): an empty message under `<N>._regressed`. */
  async markRegression(nodeId: string): Promise<void> {
    const subject = markSubject(this.#session.layout, nodeId);
    await this.#session.call(`mark ${nodeId} as holding records the store lost`, () => this.#publish(subject, empty, undefined, false));
  }

  /**
   * The node ids marked as holding records the store lost (see
   * `ControlPlane.regressionMarks`): the subjects of the marks, listed at
   * once by `STREAM.INFO` with a subject filter (the right a node has to
   * bind). One request, however many there are.
   */
  async regressionMarks(): Promise<string[]> {
    const layout = this.#session.layout;
    return this.#session.call("read the marks of nodes holding records the store lost", async () => {
      const marked: string[] = [];
      for (const subject of await this.#subjects(layout.marksFilter)) {
        const key = parseBeatSubject(layout, subject);
        if (key !== undefined && "markOf" in key) marked.push(key.markOf);
        else this.#malformed({ subject, seq: 0 }, key);
      }
      return marked;
    });
  }

  /**
   * The last heartbeat of every incarnation of `nodeId` (see
   * `ControlPlane.beatsOf`): its subjects, listed at once as the marks are,
   * then the last message of each (tombstones left out).
   */
  async beatsOf(nodeId: string): Promise<StoredBeat[]> {
    const layout = this.#session.layout;
    return this.#session.call(`read the heartbeats of ${nodeId}`, async () => {
      const subjects = (await this.#subjects(beatSubjectsOf(layout, nodeId))).filter((subject) => {
        const key = parseBeatSubject(layout, subject);
        return key !== undefined && "incarnation" in key;
      });
      const messages = await Promise.all(subjects.map((subject) => this.#last(subject)));
      return messages.flatMap((message) => (message === undefined || message.tombstone ? [] : (this.#beatOf(message) ?? [])));
    });
  }

  /** The subjects of the heartbeat stream that `filter` matches and that hold a message now. */
  async #subjects(filter: string): Promise<string[]> {
    const { jsm, layout } = this.#session;
    const info = await jsm.streams.info(layout.beatsStream, { subjects_filter: filter });
    return Object.keys(info.state.subjects ?? {});
  }

  /**
   * The server's clock now: publishes an empty message on the clock subject
   * and reads the timestamp of the subject's last message (this one, or one
   * published after it by another caller: a time within this call either way).
   */
  async serverTime(): Promise<number> {
    const { js, layout } = this.#session;
    return this.#session.call("read the server's clock", async () => {
      const ack = await js.publish(layout.clockSubject, empty);
      // No read keeps the clock: the next read of the heartbeats need not fetch this message when nothing else came.
      // Only a sequence of the stream read counts (a clock stored by some other stream says nothing of it).
      if (ack.stream === layout.beatsStream) this.#cache.passOver(ack.seq);
      const stored = await this.#last(layout.clockSubject);
      if (stored === undefined) throw new Error(`the clock message on ${layout.clockSubject} is gone: is the heartbeat stream's max age below a second?`);
      return stored.at;
    });
  }

  /** Publishes on `subject`, compare-and-set on its last sequence unless `expect` is undefined; returns the sequence. */
  async #publish(subject: string, value: Uint8Array, expect: number | undefined, tombstone: boolean | undefined): Promise<number> {
    const headers = tombstoneHeaders(tombstone);
    const options: Partial<JetStreamPublishOptions> = {
      ...(expect === undefined ? {} : { expect: { lastSubjectSequence: expect } }),
      ...(headers === undefined ? {} : { headers }),
    };
    return (await this.#session.js.publish(subject, value, options)).seq;
  }

  async #last(subject: string): Promise<StoredMessage | undefined> {
    const { jsm, layout } = this.#session;
    const message = await jsm.streams.getMessage(layout.beatsStream, { last_by_subj: subject });
    return message === null ? undefined : fromGet(message);
  }

  /** The sequence of the subject's last heartbeat when it is past the TTL, else undefined (also when that cannot be told). */
  async #expiredLast(subject: string): Promise<number | undefined> {
    try {
      const last = await this.#last(subject);
      if (last === undefined) return undefined;
      return (await this.serverTime()) - last.at > this.ttlMs ? last.seq : undefined;
    } catch {
      // Without the clock (a node's credentials may not publish it), the conflict stands.
      return undefined;
    }
  }

  /** Hands a subject of the heartbeat bucket that twostep cannot have written to the session's `onMalformed`. */
  #malformed(message: Pick<StoredMessage, "subject" | "seq">, key: { readonly problem: string } | BeatKey | undefined): void {
    const problem = key !== undefined && "problem" in key ? key.problem : "it is no mark subject twostep writes (written by something else?)";
    this.#session.malformed({ stream: this.#session.layout.beatsStream, subject: message.subject, seq: message.seq, problem });
  }

  #beatOf(message: StoredMessage): StoredBeat | undefined {
    const key = parseBeatSubject(this.#session.layout, message.subject);
    if (key === undefined || "markOf" in key) return undefined;
    if ("problem" in key) {
      this.#malformed(message, key);
      return undefined;
    }
    // Frozen: the read cache hands the same heartbeat to every read.
    return Object.freeze({ key: Object.freeze(key), value: message.data, tombstone: message.tombstone, revision: message.seq, at: message.at });
  }
}
