import type { JsMsg, StoredMsg } from "@nats-io/jetstream";
import { headers as natsHeaders, type Msg, type MsgHdrs } from "@nats-io/transport-node";
import { parseAckSubject } from "./ack-subject.js";

/** A message of a stream, however it was read: from a consumer, a get, or republished. */
export interface StoredMessage {
  /** The subject it was stored under. */
  readonly subject: string;
  readonly seq: number;
  /** Its bytes, as the client handed them over (a view of what it read, which it never writes to again): never to be written to. */
  readonly data: Uint8Array;
  /** True when it is a tombstone (header `KV-Operation: DEL`). */
  readonly tombstone: boolean;
  /** When the stream stored it, ms since the epoch (the server's clock), cut at the millisecond. */
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

/** A message a consumer delivered, with where it stands among the consumer's deliveries. */
export interface ConsumedMessage extends StoredMessage {
  /** Its place among what the consumer delivered, from 1. */
  readonly delivery: number;
  /** How many messages the consumer had left to deliver after it. */
  readonly pending: number;
}

/** A message delivered by a consumer. */
export function fromConsumer(message: JsMsg): ConsumedMessage {
  const ack = parseAckSubject(replyOf(message));
  return {
    subject: message.subject,
    seq: ack.streamSequence,
    data: message.data,
    tombstone: mayNameOperation(message) && isTombstone(message.headers),
    at: ack.at,
    delivery: ack.deliverySequence,
    pending: ack.pending,
  };
}

/** A message read with `STREAM.MSG.GET`. */
export function fromGet(message: StoredMsg): StoredMessage {
  return { subject: message.subject, seq: message.seq, data: message.data, tombstone: isTombstone(message.header), at: message.time.getTime() };
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
  return { subject, seq, previous, data: message.data, tombstone: isTombstone(headers), at: Number.isNaN(stamped) ? receivedAt : stamped };
}

/**
 * The reply subject of a message a consumer delivered, as bytes: as the
 * client holds it inside (no decoding), else as it hands it out (its
 * messages hold it, though their type does not say so).
 */
function replyOf(message: JsMsg): Uint8Array {
  const held = (message as JsMsg & ClientLayout).msg?._msg?.reply;
  if (held instanceof Uint8Array) return held;
  const reply = (message as JsMsg & { readonly reply?: unknown }).reply;
  if (typeof reply !== "string") throw new Error("a consumer's message came without its reply subject: this NATS client is not one twostep knows");
  return utf8.encode(reply);
}

const utf8 = new TextEncoder();

/** The bytes of {@link OPERATION_HEADER}, which a header block must hold for the header to be there. */
const OPERATION_BYTES = utf8.encode(OPERATION_HEADER);

/** How the client holds a delivered message inside, though its types do not say so: its reply subject, the header block's length (-1: none) and the bytes it begins. */
interface ClientLayout {
  readonly msg?: { readonly _msg?: { readonly reply?: unknown; readonly hdr?: unknown }; readonly _rdata?: unknown };
}

/**
 * False when the header block of a delivered message cannot hold
 * {@link OPERATION_HEADER} (it lacks its bytes, or there is none): then the
 * message is no tombstone, and its headers need no decoding, which costs
 * as much as the rest of its delivery. True otherwise, and when the client
 * does not hold the message as twostep knows: its headers are decoded.
 */
function mayNameOperation(message: JsMsg): boolean {
  const inner = (message as JsMsg & ClientLayout).msg;
  const length = inner?._msg?.hdr;
  const bytes = inner?._rdata;
  if (typeof length !== "number" || !(bytes instanceof Uint8Array) || length > bytes.length) return true;
  const last = length - OPERATION_BYTES.length;
  for (let start = 0; start <= last; start++) {
    let index = 0;
    while (index < OPERATION_BYTES.length && bytes[start + index] === OPERATION_BYTES[index]) index++;
    if (index === OPERATION_BYTES.length) return true;
  }
  return false;
}

function isTombstone(headers: MsgHdrs | undefined): boolean {
  const operation = headers?.get(OPERATION_HEADER);
  return operation === "DEL" || operation === "PURGE";
}

function wholeNumber(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,16}$/.test(text)) return undefined;
  return Number(text);
}
