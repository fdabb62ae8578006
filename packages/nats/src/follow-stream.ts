import { DeliverPolicy, type Consumer, type ConsumerMessages, type JetStreamClient, type JsMsg } from "@nats-io/jetstream";
import { TimeoutError } from "@nats-io/transport-node";
import { Settler } from "./settler.js";

/** What {@link followStream} reads. */
export interface FollowOptions {
  readonly stream: string;
  /** The subject filter, wildcards allowed. */
  readonly filter: string;
  /** `last-per-subject`: the current value of each key, then changes; `all`: everything; `new`: only what is stored from now on. */
  readonly deliver: "last-per-subject" | "all" | "new";
  /** Called with each message in stream order; must not throw. */
  readonly onMessage: (message: JsMsg) => void;
  /** Called once if the consumer ends on its own (not by `stop`), with why. */
  readonly onEnd?: (error: unknown) => void;
  /** While catching up, give up when no message arrives for this long. */
  readonly idleTimeoutMs: number;
}

/** A running ordered consumer. */
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

/**
 * Follows a stream with an ordered pull consumer: messages arrive in stream
 * order without gaps, and the client recreates the consumer at the next
 * sequence when it is lost (a server restart, missed heartbeats), so a
 * follower survives reconnects by itself.
 */
export async function followStream(js: JetStreamClient, options: FollowOptions): Promise<FollowedStream> {
  const consumer = await js.consumers.get(options.stream, { filter_subjects: options.filter, deliver_policy: policies[options.deliver] });
  const pending = (await consumer.info(true)).num_pending;
  const catchUp = new Settler();
  // A consumer that cannot pull (a missing permission, a lost stream) delivers nothing and says nothing: time it out.
  catchUp.idleTimeout(options.idleTimeoutMs);
  if (pending === 0) catchUp.settle();
  let delivered = 0;
  let stopping = false;
  const messages = await consumer.consume({
    callback: (message) => {
      options.onMessage(message);
      delivered++;
      if (delivered >= pending || message.info.pending === 0) catchUp.settle();
      else catchUp.idleTimeout(options.idleTimeoutMs);
    },
  });
  const ended = (error: unknown): void => {
    catchUp.settle(error ?? new TimeoutError());
    if (!stopping) options.onEnd?.(error);
  };
  void messages.closed().then(ended, ended);
  return {
    caughtUp: catchUp.done,
    stop: async () => {
      if (stopping) return;
      stopping = true;
      await close(consumer, messages);
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
  /** Give up when no message arrives for this long. */
  readonly idleTimeoutMs: number;
}

/**
 * Reads a stream from its start up to `untilSequence`, in order. The end is
 * a sequence the caller got from the stream leader, so a consumer on a
 * lagging replica still reads everything stored before the read began.
 * Rejects with the client's `TimeoutError` when the stream goes quiet first.
 */
export async function readStream(js: JetStreamClient, options: ReadOptions): Promise<void> {
  if (options.untilSequence <= 0) return;
  const consumer = await js.consumers.get(options.stream, { filter_subjects: options.filter, deliver_policy: DeliverPolicy.All });
  const read = new Settler();
  read.idleTimeout(options.idleTimeoutMs);
  const messages = await consumer.consume({
    callback: (message) => {
      options.onMessage(message);
      if (message.seq >= options.untilSequence) read.settle();
      else read.idleTimeout(options.idleTimeoutMs);
    },
  });
  const ended = (error: unknown): void => read.settle(error ?? new TimeoutError());
  void messages.closed().then(ended, ended);
  try {
    await read.done;
  } finally {
    await close(consumer, messages);
  }
}

async function close(consumer: Consumer, messages: ConsumerMessages): Promise<void> {
  await messages.close();
  // The server would drop the ephemeral consumer after its inactivity threshold; free it now, without waiting.
  consumer.delete().catch(() => {});
}
