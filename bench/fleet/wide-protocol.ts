import { defineMessageType, defineProtocol, type MessageType, type Protocol, zodCodec } from "@twostep/core";
import { z } from "zod";

/** The name of type `index` of {@link wideProtocol}: `wide.Type00`, `wide.Type01`, ... */
export function wideTypeName(index: number): string {
  return `wide.Type${String(index).padStart(2, "0")}`;
}

/** The names of the 50 types of {@link wideProtocol}. */
export const WIDE_TYPES: readonly string[] = Array.from({ length: 50 }, (_, index) => wideTypeName(index));

const v1 = z.looseObject({ id: z.string() });
const v2 = z.looseObject({ id: z.string(), note: z.string() });

/**
 * A protocol of `count` message types (50 by default), each with a v1 and a
 * v2 in JSON: the build of a service with many types, whose member and
 * heartbeat records the coordinator reads at fleet scale.
 */
export function wideProtocol(count = 50): Protocol {
  const types: MessageType[] = Array.from({ length: count }, (_, index) =>
    defineMessageType({
      name: wideTypeName(index),
      id: 1_000 + index,
      versions: [
        { version: 1, codec: zodCodec(v1) },
        {
          version: 2,
          codec: zodCodec(v2),
          upgrade: (previous) => ({ ...previous, note: "" }),
          downgrade: ({ note: _note, ...rest }) => rest,
        },
      ],
    }),
  );
  return defineProtocol({ types });
}
