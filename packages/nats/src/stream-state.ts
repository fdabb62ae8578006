import type { StreamInfo } from "@nats-io/jetstream";

/** A stream as its leader describes it: when it was created, its last sequence, and how many messages it holds. */
export interface StreamState {
  readonly created: string;
  readonly lastSeq: number;
  /** The messages it holds: a message removed lowers it, one stored raises the last sequence. */
  readonly messages: number;
}

/** The state `info` describes. */
export function streamStateOf(info: StreamInfo): StreamState {
  return { created: info.created, lastSeq: info.state.last_seq, messages: info.state.messages };
}

/**
 * True when nothing was removed from a stream that keeps its history (the
 * log) between `then` and `now`: the same stream (its `created` time),
 * and as many sequences missing up to the last as before. Storing a message
 * raises the last sequence and the count together; a purge, a removal or a
 * restored backup that lost messages shows (messages removed from the
 * front too: the count drops, the last sequence does not).
 */
export function nothingRemoved(then: StreamState | undefined, now: StreamState): boolean {
  return then !== undefined && then.created === now.created && now.lastSeq >= then.lastSeq && now.lastSeq - now.messages === then.lastSeq - then.messages;
}

/** True when the stream `now` describes is the one `then` describes, with nothing stored or removed since. */
export function unchanged(then: StreamState | undefined, now: StreamState): boolean {
  return nothingRemoved(then, now) && then?.lastSeq === now.lastSeq;
}
