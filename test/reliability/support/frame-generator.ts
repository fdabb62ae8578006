import { ENVELOPE_HEADER, writeVarint, type Protocol } from "@twostep/core";

/** A seeded PRNG (mulberry32): the same seed gives the same frames, so a failure can be replayed with its seed. */
export class Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)] as T;
  }

  bytes(length: number): Uint8Array {
    const bytes = new Uint8Array(length);
    for (let index = 0; index < length; index++) bytes[index] = this.below(256);
    return bytes;
  }

  text(maxLength: number): string {
    const alphabet = 'abcXYZ019-_ é\u00ff\u4e2d"\\{}';
    let text = "";
    for (let length = this.below(maxLength + 1); length > 0; length--) text += alphabet[this.below(alphabet.length)];
    return text;
  }
}

/** Bytes that sit on a boundary of some decoding stage: varint continuation, the envelope header, JSON starts. */
const interesting = [0x00, 0x01, 0x7f, 0x80, 0xff, ENVELOPE_HEADER, 0x0a, 0x12, 0x22, 0x7b, 0x5b];

/** Values of the shop protocol's types at each version, in the wire shape of that version. */
function shopValue(random: Random, type: string, version: number): unknown {
  const items = Array.from({ length: random.below(3) }, () => ({ sku: random.text(6), quantity: random.below(100) }));
  const id = () => `${random.text(8)}x`;
  if (type === "orders.OrderPlaced") {
    return version === 1
      ? { orderId: id(), customerId: id(), amountCents: random.below(2 ** 31) - 2 ** 30, items }
      : {
          orderId: id(),
          customerId: id(),
          items,
          total: { currencyCode: random.pick(["EUR", "USD", ""]), units: random.below(10_000), nanos: random.below(999_999_999) },
        };
  }
  return version === 1
    ? { customerId: id(), name: random.text(8), email: random.text(8), ...(random.below(4) === 0 ? { extra: random.text(4) } : {}) }
    : { customerId: id(), displayName: random.text(8), emails: Array.from({ length: random.below(3) }, () => random.text(8)) };
}

/** A varint of 1 to 6 bytes, some of them beyond 32 bits or with a dangling continuation bit. */
function randomVarint(random: Random): Uint8Array {
  const target = new Uint8Array(8);
  const value = random.pick([random.below(5), random.below(128), random.below(2 ** 16), random.below(2 ** 32), 2 ** 32 + random.below(2 ** 20)]);
  const length = writeVarint(target, 0, value);
  if (random.below(8) === 0) target[length - 1] = (target[length - 1] ?? 0) | 0x80;
  return target.subarray(0, length);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const frame = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    frame.set(part, offset);
    offset += part.length;
  }
  return frame;
}

type Mutation = (frame: Uint8Array, random: Random, corpus: readonly Uint8Array[]) => Uint8Array;

const mutations: readonly Mutation[] = [
  // Flip one bit.
  (frame, random) => {
    const copy = frame.slice();
    if (copy.length > 0) copy[random.below(copy.length)]! ^= 1 << random.below(8);
    return copy;
  },
  // Put an interesting byte somewhere.
  (frame, random) => {
    const copy = frame.slice();
    if (copy.length > 0) copy[random.below(copy.length)] = random.pick(interesting);
    return copy;
  },
  // Truncate.
  (frame, random) => frame.slice(0, random.below(frame.length + 1)),
  // Insert a few random bytes.
  (frame, random) => {
    const at = random.below(frame.length + 1);
    return concat(frame.subarray(0, at), random.bytes(1 + random.below(8)), frame.subarray(at));
  },
  // Delete a few bytes.
  (frame, random) => {
    const at = random.below(frame.length + 1);
    return concat(frame.subarray(0, at), frame.subarray(at + 1 + random.below(4)));
  },
  // Another header byte.
  (frame, random) => concat(new Uint8Array([random.below(4) === 0 ? random.pick(interesting) : random.below(256)]), frame.subarray(1)),
  // Another type id or version varint in place of byte 1 or 2.
  (frame, random) => {
    const at = 1 + random.below(2);
    return concat(frame.subarray(0, at), randomVarint(random), frame.subarray(at + 1));
  },
  // The head of one frame on the payload of another: a payload read as the wrong type or version.
  (frame, random, corpus) => {
    const other = random.pick(corpus);
    return concat(frame.subarray(0, 3), other.subarray(Math.min(3, other.length)));
  },
  // Splice: the start of this frame, the end of another.
  (frame, random, corpus) => {
    const other = random.pick(corpus);
    return concat(frame.subarray(0, random.below(frame.length + 1)), other.subarray(random.below(other.length + 1)));
  },
  // Repeat a chunk.
  (frame, random) => {
    const at = random.below(frame.length + 1);
    const chunk = frame.subarray(at, at + 1 + random.below(16));
    return concat(frame.subarray(0, at), chunk, chunk, chunk, frame.subarray(at));
  },
];

/**
 * Generates frames for a protocol decoder: valid shop frames (every type and
 * version, and bare legacy payloads), mutations of them (bit flips,
 * truncation, insertion, deletion, a new header byte, another type id or
 * version varint, heads swapped between frames, splices, repeats), random
 * bytes with and without the envelope header, and hand-built envelopes of
 * known and unknown type ids and versions.
 */
export class FrameGenerator {
  readonly #random: Random;
  readonly #corpus: Uint8Array[];

  constructor(protocol: Protocol, seed: number, corpusSize = 512) {
    this.#random = new Random(seed);
    const cells = protocol.types.flatMap((type) =>
      Array.from({ length: type.reads.max - type.reads.min + 1 }, (_, index) => ({ type, version: type.reads.min + index })),
    );
    this.#corpus = Array.from({ length: corpusSize }, (_, index) => {
      const { type, version } = cells[index % cells.length] ?? { type: protocol.types[0], version: 1 };
      if (type === undefined) throw new Error("the protocol declares no type to fuzz");
      const frame = type.encodeWire(shopValue(this.#random, type.name, version), version);
      // Every so often the bare payload: what the legacy reading decodes.
      return index % 7 === 0 ? frame.slice(3) : frame;
    });
  }

  /** The next frame. */
  next(): Uint8Array {
    const random = this.#random;
    const roll = random.below(100);
    if (roll < 5) return random.pick(this.#corpus);
    if (roll < 65) {
      let frame = random.pick(this.#corpus);
      for (let count = 1 + random.below(4); count > 0; count--) frame = random.pick(mutations)(frame, random, this.#corpus);
      return frame;
    }
    if (roll < 75) return random.bytes(random.below(65));
    if (roll < 85) return concat(new Uint8Array([ENVELOPE_HEADER]), random.bytes(random.below(64)));
    const typeId = random.below(3) === 0 ? randomVarint(random) : new Uint8Array([1 + random.below(2)]);
    const other = random.pick(this.#corpus);
    const payload = random.below(2) === 0 ? other.subarray(Math.min(3, other.length)) : random.bytes(random.below(48));
    return concat(new Uint8Array([ENVELOPE_HEADER]), typeId, randomVarint(random), payload);
  }
}
