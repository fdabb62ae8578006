import { AckPolicy, type ConsumerConfig, type ConsumerInfo, type JetStreamManager } from "@nats-io/jetstream";
import { nanos, nuid, TimeoutError } from "@nats-io/transport-node";
import { findCause } from "./translate-nats-error.js";

/** What a consumer reads; the rest of its configuration is fixed by {@link createConsumer}. */
export type ConsumerRead = Partial<ConsumerConfig> & { readonly filter_subject: string };

/** A consumer creation that takes longer is abandoned: in a cluster it may have landed on a server that is down (see docs/nats.md, "Clusters"). */
const maxCreationMs = 2_000;

/**
 * Creates an ephemeral consumer (in memory, one replica, no
 * acknowledgements), abandoning the creation after `timeoutMs` or 2 s,
 * whichever is shorter: nats-server 2.9.10 may place a one-replica consumer
 * on a replica that is down, and that creation never answers. An abandoned
 * creation is deleted whenever it answers. The server drops a consumer left
 * idle for 30 s (a client that crashed mid-read). Rejects with the client's
 * `TimeoutError` or its error.
 */
export async function createConsumer(jsm: JetStreamManager, stream: string, read: ConsumerRead, timeoutMs: number): Promise<ConsumerInfo> {
  // A name puts the filter in the request subject, which permissions can match (`$JS.API.CONSUMER.CREATE.<stream>.*.<filter>`).
  const name = `twostep_${nuid.next()}`;
  const creation = jsm.consumers.add(stream, {
    ack_policy: AckPolicy.None,
    mem_storage: true,
    num_replicas: 1,
    inactive_threshold: nanos(30_000),
    ...read,
    name,
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError()), Math.max(1, Math.min(timeoutMs, maxCreationMs)));
  });
  try {
    return await Promise.race([creation, timeout]);
  } catch (error) {
    creation.then(
      () => jsm.consumers.delete(stream, name).catch(() => {}),
      () => {},
    );
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * {@link createConsumer} again while creations time out and `deadline`
 * (ms since the epoch) has not passed: placement is random, so a retry may
 * land on a live server. Rethrows any other error at once.
 */
export async function createConsumerBefore(jsm: JetStreamManager, stream: string, read: ConsumerRead, deadline: number): Promise<ConsumerInfo> {
  for (;;) {
    try {
      return await createConsumer(jsm, stream, read, deadline - Date.now());
    } catch (error) {
      if (Date.now() >= deadline || findCause(error, TimeoutError) === undefined) throw error;
    }
  }
}
