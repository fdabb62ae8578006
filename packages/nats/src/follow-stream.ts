import {
  DeliverPolicy,
  type Consumer,
  type ConsumerConfig,
  type ConsumerInfo,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type MsgRequest,
} from "@nats-io/jetstream";
import { TimeoutError } from "@nats-io/transport-node";
import { createConsumer, createConsumerRetrying } from "./create-consumer.js";
import { Settler } from "./settler.js";

/** What {@link followStream} reads. */
export interface FollowOptions {
  readonly stream: string;
  /** The subject filter, wildcards allowed. */
  readonly filter: string;
  /** `last-per-subject`: the current value of each key, then changes; `all`: everything; `new`: only what is stored from now on. */
  readonly deliver: "last-per-subject" | "all" | "new";
  /** Called with each message in stream order, once; must not throw. */
  readonly onMessage: (message: JsMsg) => void;
  /** Called each time the consumer is lost (its server gone, messages missed) and about to be recreated, with why. */
  readonly onLost?: (reason: unknown) => void;
  /** Called each time a consumer was recreated after a loss, with how many attempts it took. */
  readonly onRecovered?: (attempts: number) => void;
  /** Called when creating a consumer again failed; the follower goes on trying. */
  readonly onRetry?: (error: unknown) => void;
  /** While catching up, give up when no message arrives for this long; also bounds each consumer creation. */
  readonly idleTimeoutMs: number;
}

/** A running follower. */
export interface FollowedStream {
  /**
   * Resolves once every message pending when the consumer was created has
   * been delivered; rejects (with the client's `TimeoutError` or the reason
   * the consumer ended) when that does not happen.
   */
  readonly caughtUp: Promise<void>;
  /** Stops delivering and deletes the consumer on the server; idempotent. */
  stop(): Promise<void>;
}

const policies = { "last-per-subject": DeliverPolicy.LastPerSubject, all: DeliverPolicy.All, new: DeliverPolicy.New } as const;

/** The server's idle heartbeat on a follower's pulls: a follower hears from its consumer at least this often. */
const heartbeatMs = 1_000;
/** A pull's lifetime; a new one is issued when it ends. */
const pullExpiresMs = 5_000;
/** Nothing heard (no message, no heartbeat) for this long: the consumer is lost. */
const lostAfterMs = 3 * heartbeatMs;
/** Creations tried before a call that needs a consumer gives up: each lands on a replica at random. */
const creationAttempts = 6;
/** Pauses between recreations of a lost follower, doubling up to the last. */
const backoffMs = [0, 100, 250, 500, 1_000, 2_000];

/**
 * Follows a stream: messages arrive in stream order, each once, without
 * gaps. The consumer is an ephemeral one-replica consumer; pulls carry a
 * short idle heartbeat, so a follower notices within {@link lostAfterMs}
 * that its consumer is gone (its server stopped or restarted, the
 * connection lost messages, a delivery sequence skipped). It then stops the
 * old consumer and creates a new one starting right after the last stream
 * sequence delivered (while still catching up on a last-per-subject read:
 * the same policy again, skipping what was delivered), each creation
 * bounded by a timeout and retried with backoff, for as long as it is not
 * stopped: a retry may land on a live replica, or come after the server is
 * back.
 */
export async function followStream(js: JetStreamClient, jsm: JetStreamManager, options: FollowOptions): Promise<FollowedStream> {
  const first = await createConsumerRetrying(
    jsm,
    options.stream,
    { filter_subject: options.filter, deliver_policy: policies[options.deliver] },
    options.idleTimeoutMs,
    creationAttempts,
  );
  const catchUp = new Settler();
  // A consumer that cannot pull (a missing permission, a lost stream) delivers nothing and says nothing: time it out.
  catchUp.idleTimeout(options.idleTimeoutMs);
  let caughtUp = false;
  const settleCatchUp = (): void => {
    caughtUp = true;
    catchUp.settle();
  };

  let stopped = false;
  /** The last stream sequence delivered, or the one the first consumer started after. */
  let lastSeq = first.delivered.stream_seq;
  let current: { consumer: Consumer; messages: ConsumerMessages; halt: () => void } | undefined;
  let generation = 0;

  const start = async (info: ConsumerInfo): Promise<void> => {
    const mine = ++generation;
    const consumer = js.consumers.getConsumerFromInfo(info);
    const pending = info.num_pending;
    let received = 0;
    if (!caughtUp && pending === 0) settleCatchUp();
    let lastDelivery = info.delivered.consumer_seq;
    let heard = Date.now();
    let lost = false;
    let watchdog: NodeJS.Timeout | undefined;
    const halt = (): void => {
      lost = true;
      clearInterval(watchdog);
    };
    const lose = (reason: unknown): void => {
      if (lost || stopped || mine !== generation) return;
      halt();
      void recover(reason);
    };
    let messages: ConsumerMessages;
    try {
      messages = await consumer.consume({
        bind: true,
        expires: pullExpiresMs,
        idle_heartbeat: heartbeatMs,
        callback: (message) => {
          if (lost || stopped) return;
          heard = Date.now();
          // A skipped delivery: a message was lost on the way (a reconnect, a slow consumer). Start again after the last one delivered.
          if (message.info.deliverySequence !== lastDelivery + 1) {
            lose(new Error(`delivery ${message.info.deliverySequence} after ${lastDelivery}: a message went missing`));
            return;
          }
          lastDelivery = message.info.deliverySequence;
          received++;
          if (message.seq > lastSeq) {
            lastSeq = message.seq;
            options.onMessage(message);
          }
          if (!caughtUp) {
            if (received >= pending || message.info.pending === 0) settleCatchUp();
            else catchUp.idleTimeout(options.idleTimeoutMs);
          }
        },
      });
    } catch (error) {
      lost = true;
      consumer.delete().catch(() => {});
      throw error;
    }
    if (stopped) {
      halt();
      await close(consumer, messages);
      return;
    }
    current = { consumer, messages, halt };
    void (async () => {
      for await (const status of messages.status()) {
        if (status.type === "heartbeat") {
          heard = Date.now();
          // The consumer delivered more than arrived: the last messages were lost on the way, and none follows to show the gap.
          if (status.lastConsumerSequence > lastDelivery) lose(new Error(`the consumer delivered ${status.lastConsumerSequence}, ${lastDelivery} arrived`));
        } else if (status.type === "consumer_deleted" || status.type === "consumer_not_found") lose(new Error(`the consumer is gone (${status.type})`));
        else if (status.type === "heartbeats_missed" && status.count >= 2) lose(new Error("heartbeats missed"));
      }
    })().catch(() => {});
    watchdog = setInterval(() => {
      if (Date.now() - heard >= lostAfterMs) lose(new TimeoutError());
    }, heartbeatMs / 2);
    void messages.closed().then(
      (error) => lose(error ?? new Error("the consumer's messages ended")),
      (error: unknown) => lose(error),
    );
  };

  const recover = async (reason: unknown): Promise<void> => {
    // Runs once per lost consumer: `lose` acts for the current one only, once.
    options.onLost?.(reason);
    const lostOne = current;
    current = undefined;
    // Not awaited: closing may wait on a server that is gone.
    if (lostOne !== undefined) void close(lostOne.consumer, lostOne.messages);
    for (let attempt = 1; !stopped; attempt++) {
      await sleep(backoffMs[Math.min(attempt - 1, backoffMs.length - 1)] ?? 0);
      if (stopped) return;
      // Caught up: everything after the last delivered. Still catching up on the current values: those again, minus what was delivered.
      const config: Partial<ConsumerConfig> =
        caughtUp || options.deliver !== "last-per-subject"
          ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: lastSeq + 1 }
          : { deliver_policy: DeliverPolicy.LastPerSubject };
      try {
        const info = await createConsumer(jsm, options.stream, { filter_subject: options.filter, ...config }, options.idleTimeoutMs);
        if (stopped) {
          jsm.consumers.delete(options.stream, info.name).catch(() => {});
          return;
        }
        await start(info);
        if (!stopped) options.onRecovered?.(attempt);
        return;
      } catch (error) {
        if (!stopped) options.onRetry?.(error);
      }
    }
  };

  await start(first);
  return {
    caughtUp: catchUp.done,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      catchUp.settle(new Error("stopped"));
      const last = current;
      current = undefined;
      last?.halt();
      // A recovery under way sees `stopped` and closes or deletes what it creates.
      if (last !== undefined) await close(last.consumer, last.messages);
    },
  };
}

/** What {@link readStream} reads. */
export interface ReadOptions {
  readonly stream: string;
  readonly filter: string;
  /** Read up to and including this stream sequence (the last one stored when the read began). */
  readonly untilSequence: number;
  /** Called with each message in stream order; must not throw. */
  readonly onMessage: (message: JsMsg) => void;
  /** Give up when no message arrives for this long; also bounds each consumer creation. */
  readonly idleTimeoutMs: number;
  /** Consumer creations tried while they time out. */
  readonly attempts: number;
}

/**
 * Reads a stream from its start up to `untilSequence`, in order. The end is
 * a sequence the caller got from the stream leader, so a consumer on a
 * lagging replica still reads everything stored before the read began.
 * Rejects with the client's `TimeoutError` when no consumer could be
 * created in `attempts` tries, when the stream goes quiet first, or when a
 * message went missing on the way: read through the leader instead
 * ({@link readStreamByGets}).
 */
export async function readStream(js: JetStreamClient, jsm: JetStreamManager, options: ReadOptions): Promise<void> {
  if (options.untilSequence <= 0) return;
  const info = await createConsumerRetrying(
    jsm,
    options.stream,
    { filter_subject: options.filter, deliver_policy: DeliverPolicy.All },
    options.idleTimeoutMs,
    options.attempts,
  );
  const consumer = js.consumers.getConsumerFromInfo(info);
  const read = new Settler();
  read.idleTimeout(options.idleTimeoutMs);
  let lastDelivery = info.delivered.consumer_seq;
  let messages: ConsumerMessages;
  try {
    messages = await consumer.consume({
      bind: true,
      callback: (message) => {
        if (message.info.deliverySequence !== ++lastDelivery) read.settle(new TimeoutError());
        else options.onMessage(message);
        if (message.seq >= options.untilSequence) read.settle();
        else read.idleTimeout(options.idleTimeoutMs);
      },
    });
  } catch (error) {
    consumer.delete().catch(() => {});
    throw error;
  }
  const ended = (error: unknown): void => read.settle(error ?? new TimeoutError());
  void messages.closed().then(ended, ended);
  try {
    await read.done;
  } finally {
    await close(consumer, messages);
  }
}

/** A stored message as {@link readStreamByGets} delivers it. */
export interface StoredMessage {
  readonly subject: string;
  readonly seq: number;
  readonly data: Uint8Array;
}

/**
 * Reads a stream from its start up to `untilSequence`, in order, one
 * `STREAM.MSG.GET` (next message on `filter` from a sequence) per message:
 * answered by the stream leader, and needs no consumer. Slower than a
 * consumer, one round trip per message, but it works while a replica is down.
 */
export async function readStreamByGets(
  jsm: JetStreamManager,
  options: Pick<ReadOptions, "stream" | "filter" | "untilSequence"> & { readonly onMessage: (message: StoredMessage) => void },
): Promise<void> {
  let seq = 1;
  while (seq <= options.untilSequence) {
    // next_by_subj (nats-server 2.9 and later): the first message at or after `seq` on the filter.
    const request = { seq, next_by_subj: options.filter } as unknown as MsgRequest;
    const message = await jsm.streams.getMessage(options.stream, request);
    if (message === null || message.seq > options.untilSequence) return;
    options.onMessage(message);
    seq = message.seq + 1;
  }
}

async function close(consumer: Consumer, messages: ConsumerMessages): Promise<void> {
  await messages.close().catch(() => {});
  // The server would drop the ephemeral consumer after its inactivity threshold; free it now, without waiting.
  consumer.delete().catch(() => {});
}

function sleep(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}
