import { AckPolicy, type ConsumerConfig, type ConsumerInfo, type JetStreamManager } from "@nats-io/jetstream";
import { nanos, nuid, TimeoutError } from "@nats-io/transport-node";
import { findCause } from "./translate-nats-error.js";

/** What a consumer reads; the rest of its configuration is fixed by {@link createConsumerBefore}. */
export type ConsumerRead = Partial<ConsumerConfig> & { readonly filter_subject: string };

/**
 * A creation unanswered this long gets another one beside it (see docs/nats.md, "Clusters"): one placed on a running server
 * answers within milliseconds, one placed on a server that is down never does. A slow one is not given up: it races the next.
 */
const hedgeMs = 500;
/**
 * At most this many creations of one call unanswered at once: all that a 5 s call starts; a longer one then waits for an
 * answer or a timeout before it starts more (ten in a row on a down server: 1 in 59,000 at one in three each).
 */
const maxUnanswered = 10;

/**
 * Creates an ephemeral consumer (in memory, one replica, no
 * acknowledgements) before `deadline` (ms since the epoch). nats-server
 * 2.9.10 places a one-replica consumer on any replica of the stream, one
 * that is down included, and that creation never answers. So while no
 * creation has answered, another one (another name, placed anew) starts
 * every 500 ms beside those under way, up to ten unanswered at once; the
 * first to answer wins. None is given up before the deadline, so a merely
 * slow creation still counts. Every other creation is abandoned: deleted
 * by its name at once (the cluster forgets one placed on a server that is
 * down) and again if it answers later. The server drops a consumer left
 * idle for 30 s (a client that crashed mid-read).
 *
 * Without `hedge` (a stream of one replica, whose consumers all live on its
 * one server), no creation starts beside one under way: another is started
 * only when one fails by the client's timeout.
 *
 * Rejects with the client's `TimeoutError` once the deadline passes with
 * no creation answered, and at once with any other error a creation meets.
 */
export function createConsumerBefore(jsm: JetStreamManager, stream: string, read: ConsumerRead, deadline: number, hedge = true): Promise<ConsumerInfo> {
  return new Promise<ConsumerInfo>((resolve, reject) => {
    /** The names of the creations under way. */
    const unanswered = new Set<string>();
    let settled = false;
    let timer: NodeJS.Timeout | undefined;

    const abandon = (name: string): void => {
      jsm.consumers.delete(stream, name).catch(() => {});
    };
    const settle = (): void => {
      settled = true;
      clearTimeout(timer);
      for (const name of unanswered) abandon(name);
    };

    const start = (): void => {
      clearTimeout(timer);
      timer = undefined;
      if (settled) return;
      const left = deadline - Date.now();
      if (left <= 0) {
        settle();
        reject(new TimeoutError());
        return;
      }
      if (unanswered.size < maxUnanswered) {
        // A name puts the filter in the request subject, which permissions can match (`$JS.API.CONSUMER.CREATE.<stream>.*.<filter>`).
        const name = `twostep_${nuid.next()}`;
        unanswered.add(name);
        jsm.consumers.add(stream, { ack_policy: AckPolicy.None, mem_storage: true, num_replicas: 1, inactive_threshold: nanos(30_000), ...read, name }).then(
          (info) => {
            unanswered.delete(name);
            if (settled) {
              abandon(name);
              return;
            }
            settle();
            resolve(info);
          },
          (error: unknown) => {
            unanswered.delete(name);
            if (settled) return;
            if (findCause(error, TimeoutError) === undefined) {
              settle();
              reject(error);
              return;
            }
            // Timed out in the client: it may still be created, on a server that comes back.
            abandon(name);
            if (unanswered.size === 0) start();
          },
        );
      }
      // The next creation, or the deadline.
      timer = setTimeout(start, Math.min(hedge ? hedgeMs : left, left));
    };

    start();
  });
}
