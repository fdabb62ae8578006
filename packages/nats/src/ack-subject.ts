/** What the reply subject of a message a consumer delivered says of it. */
export interface AckSubject {
  /** The message's sequence in its stream. */
  readonly streamSequence: number;
  /** Its place among what the consumer delivered, from 1. */
  readonly deliverySequence: number;
  /** How many messages the consumer had left to deliver after it. */
  readonly pending: number;
  /** When the stream stored it, ms since the epoch (the server's clock). */
  readonly at: number;
}

/** How every such subject begins. */
const PREFIX = new TextEncoder().encode("$JS.ACK.");
/** `$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<delivery seq>.<ns>.<pending>`. */
const SHORT = 9;
/** `$JS.ACK.<domain>.<account>.<stream>.<consumer>.<delivered>.<stream seq>.<delivery seq>.<ns>.<pending>[.<more>]`. */
const LONG = 11;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const NS_PER_MS_DIGITS = 6;

/** Where each token of the subject being read ends (reused: reading is synchronous). */
const ends = new Int32Array(LONG + 1);

/**
 * Reads the reply subject of a message a JetStream consumer delivered, as
 * the bytes it came in, in either form the server writes, without the
 * client's decoding, its split into strings and its objects (a read of a
 * large fleet does this once per member). Throws, as the client does, when
 * it is not such a subject.
 */
export function parseAckSubject(reply: Uint8Array): AckSubject {
  let count = 0;
  for (let index = 0; index < reply.length && count <= LONG; index++) if (reply[index] === DOT) ends[count++] = index;
  const tokens = count + 1;
  if (!startsWithPrefix(reply) || (tokens !== SHORT && tokens < LONG)) throw refused(reply, "not a jetstream message");
  if (tokens <= LONG) ends[count] = reply.length;
  // The index of the delivered count among the tokens.
  const first = tokens === SHORT ? 4 : 6;
  return {
    streamSequence: numberAt(reply, first + 1),
    deliverySequence: numberAt(reply, first + 2),
    // Nanoseconds, too many digits for a number: their milliseconds, exactly.
    at: numberAt(reply, first + 3, NS_PER_MS_DIGITS),
    pending: numberAt(reply, first + 4),
  };
}

function startsWithPrefix(reply: Uint8Array): boolean {
  if (reply.length < PREFIX.length) return false;
  for (let index = 0; index < PREFIX.length; index++) if (reply[index] !== PREFIX[index]) return false;
  return true;
}

/** The whole number that token `token` of `reply` spells, without its last `dropDigits` digits. */
function numberAt(reply: Uint8Array, token: number, dropDigits = 0): number {
  const start = (ends[token - 1] as number) + 1;
  const end = ends[token] as number;
  if (start >= end) throw refused(reply, "an empty number");
  const last = end - dropDigits;
  let value = 0;
  for (let index = start; index < end; index++) {
    const code = reply[index] as number;
    if (code < ZERO || code > NINE) throw refused(reply, "not a number");
    if (index < last) value = value * 10 + (code - ZERO);
  }
  return value;
}

function refused(reply: Uint8Array, why: string): Error {
  return new Error(`unable to parse delivery info - ${why}: ${new TextDecoder().decode(reply)}`);
}
