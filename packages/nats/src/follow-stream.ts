import { type Consumer, type ConsumerInfo, type ConsumerMessages, DeliverPolicy, type JsMsg } from "@nats-io/jetstream";
import type { Subscription } from "@twostep/fleet/control-plane";
import { createConsumerBefore } from "./create-consumer.js";
import type { NatsSession } from "./nats-session.js";
import { fromConsumer, type StoredMessage } from "./stored-message.js";

/** What {@link followStream} follows. */
export interface StreamFollow {
  readonly stream: string;
  /** The subject filter, wildcards allowed. */
  readonly filter: string;
  /** Called with each message stored after the follow started, in stream order, once; must not throw. */
  readonly onMessage: (message: StoredMessage) => void;
}

/** The server's idle heartbeat on a follower's pulls: a follower hears from its consumer at least this often. */
const heartbeatMs = 1_000;
/** A pull's lifetime; a new one is issued when it ends. */
const pullExpiresMs = 5_000;
/** Nothing heard (no message, no heartbeat) for this long: the consumer is lost. */
const lostAfterMs = 3 * heartbeatMs;
/** Pauses between recreations of a lost consumer, the last one repeated. */
const backoffMs = [0, 100, 250, 500, 1_000, 2_000];

/**
 * Follows what a stream stores from now on with an ephemeral consumer
 * (delivering new messages, in memory, one replica): messages arrive in
 * stream order, each once, without gaps. Pulls carry a 1 s idle heartbeat,
 * so the follower notices within 3 s that its consumer is gone (its server
 * stopped, the connection lost messages, a delivery sequence skipped); it
 * then creates a new consumer starting right after the last sequence
 * delivered, retried with backoff for as long as it is not stopped.
 * Rejects when the first consumer cannot be created within `timeoutMs`.
 */
export async function followStream(session: NatsSession, follow: StreamFollow): Promise<Subscription> {
  const { js, jsm, logger, timeoutMs } = session;
  const hedge = session.hedges(follow.stream);
  const first = await createConsumerBefore(
    jsm,
    follow.stream,
    { filter_subject: follow.filter, deliver_policy: DeliverPolicy.New },
    Date.now() + timeoutMs,
    hedge,
  );
  let stopped = false;
  /** The last stream sequence delivered, or the one the first consumer started after. */
  let lastSeq = first.delivered.stream_seq;
  let current: { consumer: Consumer; messages: ConsumerMessages; halt: () => void } | undefined;
  let generation = 0;

  const start = async (info: ConsumerInfo): Promise<void> => {
    const mine = ++generation;
    const consumer = js.consumers.getConsumerFromInfo(info);
    let lastDelivery = info.delivered.consumer_seq;
    let heard = Date.now();
    let lost = false;
    let watchdog: NodeJS.Timeout | undefined;
    const halt = (): void => {
      lost = true;
      clearInterval(watchdog);
    };
    const lose = (reason: string): void => {
      if (lost || stopped || mine !== generation) return;
      halt();
      void recover(reason);
    };
    const onMessage = (message: JsMsg): void => {
      if (lost || stopped) return;
      heard = Date.now();
      const consumed = fromConsumer(message);
      if (consumed.delivery !== lastDelivery + 1) {
        lose(`delivery ${consumed.delivery} after ${lastDelivery}: a message went missing`);
        return;
      }
      lastDelivery = consumed.delivery;
      if (consumed.seq <= lastSeq) return;
      lastSeq = consumed.seq;
      follow.onMessage(consumed);
    };
    let messages: ConsumerMessages;
    try {
      messages = await consumer.consume({ bind: true, expires: pullExpiresMs, idle_heartbeat: heartbeatMs, callback: onMessage });
    } catch (error) {
      consumer.delete().catch(() => {});
      throw error;
    }
    current = { consumer, messages, halt };
    if (stopped) {
      halt();
      await close(consumer, messages);
      return;
    }
    void (async () => {
      for await (const status of messages.status()) {
        if (status.type === "heartbeat") {
          heard = Date.now();
          // The consumer delivered more than arrived: the last messages were lost on the way, and none follows to show the gap.
          if (status.lastConsumerSequence > lastDelivery) lose(`the consumer delivered ${status.lastConsumerSequence}, ${lastDelivery} arrived`);
        } else if (status.type === "consumer_deleted" || status.type === "consumer_not_found") lose(`the consumer is gone (${status.type})`);
        else if (status.type === "heartbeats_missed" && status.count >= 2) lose("heartbeats missed");
      }
    })().catch(() => {});
    watchdog = setInterval(() => {
      if (Date.now() - heard >= lostAfterMs) lose("nothing heard from the consumer");
    }, heartbeatMs / 2);
    void messages.closed().then(
      (error) => lose(`its messages ended (${error?.message ?? "closed"})`),
      (error: unknown) => lose(`its messages ended (${String(error)})`),
    );
  };

  const recover = async (reason: string): Promise<void> => {
    logger.warn({ stream: follow.stream, filter: follow.filter, reason }, "a follower lost its consumer; creating another");
    const lostOne = current;
    current = undefined;
    // Not awaited: closing may wait on a server that is gone.
    if (lostOne !== undefined) void close(lostOne.consumer, lostOne.messages);
    for (let attempt = 1; !stopped; attempt++) {
      await sleep(backoffMs[Math.min(attempt - 1, backoffMs.length - 1)] ?? 0);
      if (stopped) return;
      try {
        const info = await createConsumerBefore(
          jsm,
          follow.stream,
          { filter_subject: follow.filter, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: lastSeq + 1 },
          Date.now() + timeoutMs,
          hedge,
        );
        if (stopped) {
          jsm.consumers.delete(follow.stream, info.name).catch(() => {});
          return;
        }
        await start(info);
        logger.info({ stream: follow.stream, filter: follow.filter, attempts: attempt }, "a follower has a consumer again");
        return;
      } catch (error) {
        if (!stopped) logger.debug({ err: error, stream: follow.stream }, "creating a follower's consumer failed; trying again");
      }
    }
  };

  await start(first);
  return {
    stop: async () => {
      if (stopped) return;
      stopped = true;
      const last = current;
      current = undefined;
      last?.halt();
      // A recovery under way sees `stopped` and deletes what it creates.
      if (last !== undefined) await close(last.consumer, last.messages);
    },
  };
}

async function close(consumer: Consumer, messages: ConsumerMessages): Promise<void> {
  await messages.close().catch(() => {});
  consumer.delete().catch(() => {});
}

function sleep(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}
