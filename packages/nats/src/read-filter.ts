import { type ConsumerMessages, DeliverPolicy, type JsMsg, type SeqMsgRequest } from "@nats-io/jetstream";
import { TimeoutError } from "@nats-io/transport-node";
import { createConsumerBefore } from "./create-consumer.js";
import type { NatsSession } from "./nats-session.js";
import { fromConsumer, type StoredMessage } from "./stored-message.js";

/** What {@link readFilter} reads. */
export interface FilterRead {
  readonly stream: string;
  /** The subject filter, wildcards allowed. */
  readonly filter: string;
  /** `last-per-subject`: the last message of each subject; `all`: every message. */
  readonly deliver: "last-per-subject" | "all";
  /** The position the read must cover: it ends only once it is complete up to here (or the stream proved it holds less). */
  readonly atLeast: number;
  /**
   * Read only what was stored from this sequence on (with `deliver: "all"`):
   * what changed since a read that was complete up to `from - 1`.
   */
  readonly from?: number;
}

/** What {@link readFilter} found. */
export interface FilterReadResult {
  /** The last message of each subject (`last-per-subject`) or every message (`all`), in stream order. */
  readonly messages: StoredMessage[];
  /** Every message of the filter at or below this sequence is reflected in {@link FilterReadResult.messages}. */
  readonly position: number;
  /** True when the stream leader held less than `atLeast` for a while: the store went backwards, and `position` is below `atLeast`. */
  readonly behind: boolean;
}

/** Messages asked for per pull: 10,000 members take ten round trips. */
const pullBatch = 1_000;
/** How often a read looks at its consumer and, once drained below `atLeast`, asks the stream leader. */
const tickMs = 50;
/** How often a read that has not drained asks its consumer how far it got, and, once drained below `atLeast`, asks the leader. */
const askEveryMs = 250;
/** A leader that holds less than `atLeast` this long means a store that went backwards, not a leader election. */
const behindForMs = 1_000;

/**
 * Reads a filter of a stream as of a position of at least `atLeast` with
 * an ephemeral consumer (in memory, one replica, no acknowledgements,
 * deleted afterwards), pulled in batches of 1,000.
 *
 * The consumer may run on any replica, and a replica may lag. It first
 * delivers what its replica holds (for `last-per-subject`, the last message
 * of each subject as of its creation), then every message its replica
 * stores after that, in order. So once it has drained (nothing pending) the
 * messages delivered are complete up to the highest sequence delivered, and
 * stay so as later ones arrive. The read ends when that sequence reaches
 * `atLeast`. When the consumer drained below it, the stream leader is asked
 * (`STREAM.INFO`, then `STREAM.MSG.GET` of the filter's next message after
 * what was delivered): a next message above `atLeast`, or none while the
 * leader's last sequence is at least `atLeast`, proves the read complete up
 * to there; a next message at or below it means a lagging replica, and the
 * read waits for it; a leader whose last sequence stays below `atLeast` for
 * a second means the store went backwards, and the read ends `behind`.
 *
 * A read that makes no progress for `timeoutMs` (no consumer created, no
 * delivery, a replica that does not catch up) rejects with the client's
 * `TimeoutError`; a consumer that loses a message on the way is replaced.
 */
export async function readFilter(session: NatsSession, read: FilterRead): Promise<FilterReadResult> {
  let progressAt = Date.now();
  for (;;) {
    try {
      return await readOnce(session, read, () => (progressAt = Date.now()));
    } catch (error) {
      if (!(error instanceof ConsumerLost) || Date.now() - progressAt >= session.timeoutMs) throw error;
      session.logger.info({ stream: read.stream, filter: read.filter, reason: error.message }, "a read lost its consumer; reading again");
    }
  }
}

/** A consumer that dropped a message or ended: the read starts again with a new one. */
class ConsumerLost extends Error {}

async function readOnce(session: NatsSession, read: FilterRead, progressed: () => void): Promise<FilterReadResult> {
  const { js, jsm, timeoutMs } = session;
  const policy =
    read.from !== undefined
      ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: read.from }
      : { deliver_policy: read.deliver === "all" ? DeliverPolicy.All : DeliverPolicy.LastPerSubject };
  const info = await createConsumerBefore(jsm, read.stream, { filter_subject: read.filter, ...policy }, Date.now() + timeoutMs, session.hedges(read.stream));
  progressed();
  const consumer = js.consumers.getConsumerFromInfo(info);
  const collected = new Collected(read.from !== undefined ? "all" : read.deliver);
  // A read from a sequence is complete up to the one before it before it delivers anything.
  let highest = read.from === undefined ? 0 : read.from - 1;
  let delivery = info.delivered.consumer_seq;
  let drainedAt: number | undefined;
  /** The delivery sequence by which the consumer's info said it had nothing more pending. */
  let drainsAt = Number.POSITIVE_INFINITY;
  let heardAt = Date.now();
  let behindSince: number | undefined;
  let asking = false;
  let lastAsked = Date.now();
  let messages: ConsumerMessages | undefined;
  let timer: NodeJS.Timeout | undefined;

  let resolve: (result: FilterReadResult) => void = () => {};
  let reject: (error: Error) => void = () => {};
  const promise = new Promise<FilterReadResult>((onResult, onError) => {
    resolve = onResult;
    reject = onError;
  });
  let settled = false;
  const finish = (position: number, behind = false): void => {
    if (settled) return;
    settled = true;
    resolve({ messages: collected.messages(), position, behind });
  };
  const fail = (error: Error): void => {
    if (settled) return;
    settled = true;
    reject(error);
  };
  const drained = (): void => {
    if (drainedAt === undefined) {
      drainedAt = Date.now();
      // The first question to the leader comes soon: a read whose `atLeast` lies outside its filter needs it to end.
      lastAsked = drainedAt - askEveryMs + tickMs;
    }
    if (highest >= read.atLeast) finish(highest);
  };

  const onMessage = (message: JsMsg): void => {
    if (settled) return;
    const consumed = fromConsumer(message);
    if (consumed.delivery !== delivery + 1) {
      fail(new ConsumerLost(`delivery ${consumed.delivery} came after ${delivery}: a message was lost on the way`));
      return;
    }
    delivery = consumed.delivery;
    heardAt = Date.now();
    progressed();
    collected.add(consumed);
    highest = Math.max(highest, consumed.seq);
    if (consumed.pending === 0 || delivery >= drainsAt) drained();
    else if (drainedAt !== undefined && highest >= read.atLeast) finish(highest);
  };

  /** Asks the stream leader whether the stream holds anything of the filter between what was delivered and `atLeast`. */
  const askLeader = async (): Promise<void> => {
    const asked = highest;
    const last = (await jsm.streams.info(read.stream)).state.last_seq;
    // Asked after the last sequence: "nothing next" then holds for everything up to it.
    const request: SeqMsgRequest & { next_by_subj: string } = { seq: asked + 1, next_by_subj: read.filter };
    const next = await jsm.streams.getMessage(read.stream, request);
    if (next !== null && next.seq <= read.atLeast) {
      // Stored, not delivered yet: the consumer's replica lags.
      behindSince = undefined;
      return;
    }
    const proven = next === null ? last : next.seq - 1;
    if (proven >= read.atLeast) {
      finish(Math.max(highest, proven));
      return;
    }
    behindSince ??= Date.now();
    if (Date.now() - behindSince >= behindForMs) finish(Math.max(highest, proven), true);
  };

  /**
   * Asks the consumer how far it got. The pending count each message
   * carries is not always right on nats-server 2.9.10: when subjects keep
   * only their last message (the heartbeats) and one is rewritten while the
   * consumer delivers the last message per subject, it can stay at 1 for
   * good (and a message can come twice). The consumer's info counts afresh:
   * nothing pending there means that its part of the last messages per
   * subject was delivered by the delivery sequence it names, so the read has
   * drained once that delivery has arrived.
   */
  const askConsumer = async (): Promise<void> => {
    const state = await consumer.info();
    if (state.num_pending !== 0) return;
    drainsAt = state.delivered.consumer_seq;
    if (delivery >= drainsAt) drained();
  };

  const tick = (): void => {
    if (settled || asking) return;
    const now = Date.now();
    if (drainedAt === undefined ? now - heardAt >= timeoutMs : now - drainedAt >= timeoutMs) {
      fail(new TimeoutError());
      return;
    }
    const question = drainedAt !== undefined ? askLeader : askConsumer;
    if (now - lastAsked < askEveryMs) return;
    asking = true;
    lastAsked = now;
    question()
      .catch((error: unknown) => session.logger.debug({ err: error, stream: read.stream }, "a read's question went unanswered; asking again"))
      .finally(() => (asking = false));
  };

  try {
    if (info.num_pending === 0) drained();
    if (!settled) {
      messages = await consumer.consume({ bind: true, max_messages: pullBatch, callback: onMessage });
      messages.closed().then(
        (error) => fail(new ConsumerLost(`the consumer ended (${error?.message ?? "closed"})`)),
        (error: unknown) => fail(new ConsumerLost(`the consumer ended (${String(error)})`)),
      );
      timer = setInterval(tick, tickMs);
    }
    return await promise;
  } finally {
    settled = true;
    clearInterval(timer);
    messages?.stop();
    // The server would drop the consumer after its inactivity threshold; free it now, without waiting.
    consumer.delete().catch(() => {});
  }
}

/** The messages a read keeps: the newest per subject, or all. */
class Collected {
  readonly #latest = new Map<string, StoredMessage>();
  readonly #all: StoredMessage[] = [];
  readonly #lastPerSubject: boolean;

  constructor(deliver: FilterRead["deliver"]) {
    this.#lastPerSubject = deliver === "last-per-subject";
  }

  add(message: StoredMessage): void {
    if (!this.#lastPerSubject) {
      this.#all.push(message);
      return;
    }
    const known = this.#latest.get(message.subject);
    if (known === undefined || known.seq < message.seq) this.#latest.set(message.subject, message);
  }

  messages(): StoredMessage[] {
    return this.#lastPerSubject ? [...this.#latest.values()].sort((a, b) => a.seq - b.seq) : this.#all;
  }
}
