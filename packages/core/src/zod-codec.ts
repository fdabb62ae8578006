import type { z } from "zod";
import type { Codec } from "./codec.js";
import { formatZodIssues } from "./format-zod-issues.js";

// The WHATWG text codecs, global in Node and in browsers; declared here because core compiles without Node's types.
declare const TextEncoder: new () => { encodeInto(input: string, into: Uint8Array): { read: number; written: number } };
declare const TextDecoder: new (label: string, options: { fatal: boolean; ignoreBOM: boolean }) => { decode(input: Uint8Array): string };

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * A codec that writes JSON (UTF-8) and validates with a zod schema both when
 * encoding and when decoding. What is encoded is the schema's output, so a
 * schema that strips unknown keys strips them; use `z.looseObject` for a
 * version whose readers must pass on keys added by newer writers.
 */
export function zodCodec<S extends z.ZodType>(schema: S): Codec<z.output<S>, z.input<S>> {
  return {
    kind: "json",
    schemaName: "json",
    schema,
    encode(value, head) {
      const text = JSON.stringify(parse(schema, value));
      // UTF-16 code units expand to at most three UTF-8 bytes each.
      const frame = new Uint8Array(head.length + text.length * 3);
      frame.set(head, 0);
      const { written } = textEncoder.encodeInto(text, frame.subarray(head.length));
      return frame.subarray(0, head.length + written);
    },
    decode(frame, offset) {
      return parse(schema, JSON.parse(textDecoder.decode(frame.subarray(offset))));
    },
  };
}

function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new TypeError(formatZodIssues(result.error).join("; "));
  }
  return result.data;
}
