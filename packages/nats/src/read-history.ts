import type { SeqMsgRequest } from "@nats-io/jetstream";
import { TimeoutError } from "@nats-io/transport-node";
import type { NatsSession } from "./nats-session.js";
import { readFilter } from "./read-filter.js";
import { fromGet, type StoredMessage } from "./stored-message.js";
import { findCause } from "./translate-nats-error.js";

/**
 * Every message of `filters` in the log's stream, oldest first: for each
 * filter, its last sequence from the stream leader (`STREAM.MSG.GET`
 * last by subject), then a read of every message up to it, so that a
 * consumer on a lagging replica still returns everything stored before the
 * call. When no consumer answers (nats-server 2.9.10 may place one on a
 * server that is down), the filter is read through the leader instead, one
 * `STREAM.MSG.GET` (next by subject) per message.
 */
export async function readHistory(session: NatsSession, filters: readonly string[]): Promise<StoredMessage[]> {
  const parts = await Promise.all(filters.map((filter) => readAllOf(session, filter)));
  return parts.flat().sort((a, b) => a.seq - b.seq);
}

async function readAllOf(session: NatsSession, filter: string): Promise<StoredMessage[]> {
  const { jsm, layout } = session;
  const stream = layout.fleetStream;
  const last = await jsm.streams.getMessage(stream, { last_by_subj: filter });
  if (last === null) return [];
  try {
    return (await readFilter(session, { stream, filter, deliver: "all", atLeast: last.seq })).messages;
  } catch (error) {
    if (findCause(error, TimeoutError) === undefined) throw error;
    session.logger.info({ stream, filter }, "no consumer answered (placed on a server that is down?); reading the history through the stream leader");
    return readByGets(session, filter, last.seq);
  }
}

/** Every message of `filter` up to `until`, one `STREAM.MSG.GET` each: answered by the stream leader, no consumer needed. */
async function readByGets(session: NatsSession, filter: string, until: number): Promise<StoredMessage[]> {
  const messages: StoredMessage[] = [];
  for (let seq = 1; seq <= until; ) {
    const request: SeqMsgRequest & { next_by_subj: string } = { seq, next_by_subj: filter };
    const message = await session.jsm.streams.getMessage(session.layout.fleetStream, request);
    if (message === null || message.seq > until) break;
    messages.push(fromGet(message));
    seq = message.seq + 1;
  }
  return messages;
}
