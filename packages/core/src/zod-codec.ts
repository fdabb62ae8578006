import type { z } from "zod";
import type { Codec } from "./codec.js";
import { formatZodIssues } from "./format-zod-issues.js";
import { readUtf8, withoutByteOrderMark, writeUtf8 } from "./utf8-text.js";

/**
 * A codec that writes JSON (UTF-8) and validates with a zod schema both when
 * encoding and when decoding. What is encoded is the schema's output, so a
 * schema that strips unknown keys strips them; use `z.looseObject` for a
 * version whose readers must pass on keys added by newer writers. A payload
 * that is not valid UTF-8 is refused, never read with replacement
 * characters.
 */
export function zodCodec<S extends z.ZodType>(schema: S): Codec<z.output<S>, z.input<S>> {
  return {
    kind: "json",
    schemaName: "json",
    schema,
    encode(value, head) {
      const text: unknown = JSON.stringify(parse(schema, value));
      if (typeof text !== "string") throw new TypeError("the value has no JSON text (it is undefined, a function or a symbol)");
      // Exactly as long as head and text: no buffer of a worst-case size stays behind the frame.
      return writeUtf8(head, text);
    },
    decode(frame, offset) {
      const text = readUtf8(frame, offset);
      if (text === undefined) throw new TypeError("the payload is not valid UTF-8");
      return parse(schema, JSON.parse(withoutByteOrderMark(text)));
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
