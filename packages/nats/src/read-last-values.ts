import { DeliverPolicy, type ClusterInfo, type Consumer, type ConsumerInfo, type JetStreamClient, type JetStreamManager, type JsMsg } from "@nats-io/jetstream";
import { TimeoutError } from "@nats-io/transport-node";
import { createConsumer } from "./create-consumer.js";
import { Settler } from "./settler.js";
import { findCause } from "./translate-nats-error.js";

/** What {@link readLastValues} reads. */
export interface LastValuesOptions {
  readonly stream: string;
  /** The subject filter, wildcards allowed. */
  readonly filter: string;
  /** The subjects the stream leader listed when the read began: the ones whose last message is wanted. */
  readonly subjects: readonly string[];
  /** The `cluster` of the stream info that listed them: who leads the stream, and its other replicas; undefined when the server is not clustered. */
  readonly cluster: ClusterInfo | undefined;
  /** Give up when no message arrives for this long; also bounds each consumer creation. */
  readonly idleTimeoutMs: number;
}

/** What {@link readLastValues} found. */
export interface LastValues {
  /**
   * Per subject of `subjects`, at the same index, its newest message
   * delivered; undefined when none was (removed meanwhile, or not reached
   * before the read ended).
   */
  readonly messages: readonly (JsMsg | undefined)[];
  /**
   * False when no consumer ran on the leader (a replica is offline, the
   * creation timed out, or every attempt landed elsewhere): nothing was
   * read, read through the leader instead.
   */
  readonly onLeader: boolean;
}

/** Messages asked for per pull: large enough that 10,000 keys take a handful of round trips. */
const pullBatch = 1_000;
/**
 * Consumers created, per replica of the stream, to land one on the leader:
 * nats-server places a one-replica consumer on any replica. Three per
 * replica miss the leader of three replicas one time in 40.
 */
const attemptsPerReplica = 3;
/** After this long without a message, ask the consumer how far it got: its last messages may be gone. */
const quietMs = 100;

/**
 * Reads the last message of each of `subjects` in one pass, with an
 * ephemeral consumer delivering the last message per subject (in memory,
 * one replica, no acknowledgements, deleted afterwards). The consumer must
 * run on the server that listed `subjects` as stream leader, whose store
 * then holds everything the listing must see (see docs/nats.md, "Listings"):
 * it is created again until it lands there, a few times at most. The read
 * ends once every subject was delivered, or once the consumer is past the
 * stream's last message as of its creation (whatever it did not deliver
 * was removed, or rewritten later). Rejects with the client's
 * `TimeoutError` when the consumer stays silent for `idleTimeoutMs`.
 */
export async function readLastValues(js: JetStreamClient, jsm: JetStreamManager, options: LastValuesOptions): Promise<LastValues> {
  const info = await consumerOnLeader(jsm, options);
  if (info === undefined) return { messages: new Array<undefined>(options.subjects.length), onLeader: false };
  const consumer = js.consumers.getConsumerFromInfo(info);
  try {
    // Taken once the consumer exists: its last-per-subject part ends at or before this sequence.
    const end = (await jsm.streams.info(options.stream)).state.last_seq;
    const empty = info.num_pending === 0;
    return { messages: empty ? new Array<undefined>(options.subjects.length) : await deliverLast(consumer, options, end), onLeader: true };
  } finally {
    // The server would drop the consumer after its inactivity threshold; free it now, without waiting.
    consumer.delete().catch(() => {});
  }
}

/** Pulls from `consumer` until every subject was delivered or the consumer is past `end`; the newest message of each subject, by index. */
async function deliverLast(consumer: Consumer, options: LastValuesOptions, end: number): Promise<(JsMsg | undefined)[]> {
  const { subjects } = options;
  const latest = new Array<JsMsg | undefined>(subjects.length);
  const indexOf = new Map(subjects.map((subject, index) => [subject, index]));
  let found = 0;
  let delivered = 0;
  const read = new Settler();
  const messages = await consumer.consume({
    max_messages: pullBatch,
    bind: true,
    callback: (message) => {
      delivered++;
      const index = indexOf.get(message.subject);
      if (index !== undefined) {
        const known = latest[index];
        if (known === undefined) found++;
        if (known === undefined || known.seq < message.seq) latest[index] = message;
      }
      if (found === subjects.length || message.seq >= end) read.settle();
    },
  });
  const ended = (error: unknown): void => read.settle(error ?? new TimeoutError());
  void messages.closed().then(ended, ended);
  let heard = 0;
  let silentSince = Date.now();
  let asking = false;
  const watchdog = setInterval(() => {
    if (delivered !== heard) {
      heard = delivered;
      silentSince = Date.now();
    } else if (Date.now() - silentSince >= options.idleTimeoutMs) {
      read.settle(new TimeoutError());
    } else if (!asking) {
      asking = true;
      // The consumer's position also counts the messages it skipped as gone (expired, purged) when it got to them.
      consumer.info().then(
        (info) => {
          asking = false;
          if (info.delivered.stream_seq >= end) read.settle();
        },
        () => (asking = false),
      );
    }
  }, quietMs);
  try {
    await read.done;
  } finally {
    clearInterval(watchdog);
    await messages.close();
  }
  return latest;
}

/** Creates the consumer until it runs on the leader (on a server that is not clustered, at once); undefined when it never did, or a creation timed out. */
async function consumerOnLeader(jsm: JetStreamManager, options: LastValuesOptions): Promise<ConsumerInfo | undefined> {
  const { cluster } = options;
  // nats-server may still place a consumer on a replica it knows is offline (2.9.10), and the creation then never answers.
  if (cluster?.replicas?.some((peer) => peer.offline)) return undefined;
  // Not clustered: one server, no leader to look for. Leaderless: "" is no server's name, and every attempt misses.
  const leader = cluster === undefined ? null : (cluster.leader ?? "");
  const attempts = cluster === undefined ? 1 : attemptsPerReplica * (1 + (cluster.replicas?.length ?? 0));
  for (let attempt = 0; attempt < attempts; attempt++) {
    let info: ConsumerInfo;
    try {
      info = await createConsumer(jsm, options.stream, { filter_subject: options.filter, deliver_policy: DeliverPolicy.LastPerSubject }, options.idleTimeoutMs);
    } catch (error) {
      // Placed on a replica that went down and is not known to be offline yet: read through the leader instead.
      if (findCause(error, TimeoutError) === undefined) throw error;
      return undefined;
    }
    if ((info.cluster?.leader ?? null) === leader) return info;
    jsm.consumers.delete(options.stream, info.name).catch(() => {});
  }
  return undefined;
}
