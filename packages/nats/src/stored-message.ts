import type { JsMsg, StoredMsg } from "@nats-io/jetstream";
import { headers as natsHeaders, type Msg, type MsgHdrs } from "@nats-io/transport-node";

/** A message of a stream, however it was read: from a consumer, a get, or republished. */
export interface StoredMessage {
  /** The subject it was stored under. */
  readonly subject: string;
  readonly seq: number;
  /** Its bytes, copied out of the client's buffers. */
  readonly data: Uint8Array;
  /** True when it is a tombstone (header `KV-Operation: DEL`). */
  readonly tombstone: boolean;
  /** When the stream stored it, ms since the epoch (the server's clock). */
  readonly at: number;
}

/** The header that marks a tombstone, as NATS KV marks a delete. */
const OPERATION_HEADER = "KV-Operation";

/** Headers of a tombstone, or none. */
export function tombstoneHeaders(tombstone: boolean | undefined): MsgHdrs | undefined {
  if (tombstone !== true) return undefined;
  const headers = natsHeaders();
  headers.set(OPERATION_HEADER, "DEL");
  return headers;
}

/** A message delivered by a consumer. */
export function fromConsumer(message: JsMsg): StoredMessage {
  return { subject: message.subject, seq: message.seq, data: message.data.slice(), tombstone: isTombstone(message.headers), at: message.time.getTime() };
}

/** A message read with `STREAM.MSG.GET`. */
export function fromGet(message: StoredMsg): StoredMessage {
  return { subject: message.subject, seq: message.seq, data: message.data.slice(), tombstone: isTombstone(message.header), at: message.time.getTime() };
}

/** A republished message as the stream sent it, with the sequence its subject had before (0: none). */
export interface RepublishedMessage extends StoredMessage {
  readonly previous: number;
}

/**
 * A message the stream republished (headers `Nats-Subject`, `Nats-Sequence`,
 * `Nats-Last-Sequence`), or undefined when it lacks them (someone else
 * published on the follow subjects). nats-server 2.9 sends no timestamp
 * with it: `receivedAt` stands in (servers from 2.10 send `Nats-Time-Stamp`,
 * which is used when present).
 */
export function fromRepublished(message: Msg, receivedAt: number): RepublishedMessage | undefined {
  const headers = message.headers;
  const subject = headers?.get("Nats-Subject") ?? "";
  const seq = wholeNumber(headers?.get("Nats-Sequence"));
  const previous = wholeNumber(headers?.get("Nats-Last-Sequence"));
  if (subject === "" || seq === undefined || seq < 1 || previous === undefined) return undefined;
  const stamped = Date.parse(headers?.get("Nats-Time-Stamp") ?? "");
  return { subject, seq, previous, data: message.data.slice(), tombstone: isTombstone(headers), at: Number.isNaN(stamped) ? receivedAt : stamped };
}

function isTombstone(headers: MsgHdrs | undefined): boolean {
  const operation = headers?.get(OPERATION_HEADER);
  return operation === "DEL" || operation === "PURGE";
}

function wholeNumber(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,16}$/.test(text)) return undefined;
  return Number(text);
}
