import { type Codec, defineMessageType, defineProtocol, type Protocol, type VersionDefinition, zodCodec } from "@twostep/core";
import { z } from "zod";

/** The message type of every test here. */
export const TYPE = "orders.OrderPlaced";

/** Who makes the changes of a test. */
export const WHO = { actor: "alice", reason: "test" } as const;

const order = z.strictObject({ id: z.string(), v: z.number().int() });

/** Blocks this thread for `ms` without burning a core: a deliberately slow codec must not starve the rest of a loaded machine. */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The order codec, each decode taking at least `decodeMs` more. */
function slowCodec(decodeMs: number): Codec<z.output<typeof order>> {
  const codec = zodCodec(order);
  return {
    ...codec,
    decode(frame, offset) {
      pause(decodeMs);
      return codec.decode(frame, offset);
    },
  };
}

function version(level: number, decodeMs: number): VersionDefinition {
  return {
    version: level,
    codec: decodeMs > 0 ? slowCodec(decodeMs) : zodCodec(order),
    upgrade: (previous: z.output<typeof order>) => ({ ...previous, v: level }),
    downgrade: (current: z.output<typeof order>) => ({ ...current, v: level - 1 }),
  };
}

/**
 * A build's protocol: `orders.OrderPlaced` read and written from v1 to
 * v`max`. With `slowV2Ms`, its v2 reader is faulty: decoding a v2 frame
 * takes that much longer (what a p99 decode-latency gate must catch).
 */
export function ordersProtocol(max: number, options: { readonly slowV2Ms?: number } = {}): Protocol {
  const versions = Array.from({ length: max }, (_, index) => version(index + 1, index + 1 === 2 ? (options.slowV2Ms ?? 0) : 0));
  return defineProtocol({ types: [defineMessageType({ name: TYPE, id: 1, versions })] });
}
