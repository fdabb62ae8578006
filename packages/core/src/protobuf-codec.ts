import protobuf from "protobufjs";
import type { Codec } from "./codec.js";
import { ENVELOPE_HEADER } from "./envelope.js";

/**
 * A codec for one protobufjs message type. Decoding keeps unknown fields (as
 * protobufjs's `$unknowns`) and encoding writes them back, so a frame written
 * by a newer build with extra fields survives decode and re-encode by an
 * older one at the same version. Decoded values are protobufjs messages:
 * 64-bit integers come back as `Long`, as raw protobufjs gives them (no
 * conversion options). `twostep generate` writes `Value` and `Input` from the
 * .proto file; untyped, both are `unknown`.
 */
export function protobufCodec<Value = unknown, Input = Value>(type: protobuf.Type): Codec<Value, Input> {
  // Compile the generated encoder and decoder now, not on the first message.
  type.setup();
  const { encode, decode } = compileCoders(type);
  return { kind: "protobuf", schemaName: type.fullName.replace(/^\./, ""), schema: type, encode, decode } as Codec<Value, Input>;
}

type Coders = Pick<Codec<unknown>, "encode" | "decode">;
type CoderFactory = (type: protobuf.Type, headWriter: (head: Uint8Array) => protobuf.Writer, reader: typeof protobuf.Reader) => Coders;

/**
 * The encode and decode functions of one type, compiled for that type alone.
 * Functions written once here would be shared by every type: their calls into
 * protobufjs's generated coders would see many targets, and V8 would stop
 * inlining them: up to a tenth of a small message's encode time in a process
 * that uses several types (measured with bench/). protobufjs compiles its own
 * coders with `Function` too, so this needs nothing it does not already need.
 */
function compileCoders(type: protobuf.Type): Coders {
  const name = type.fullName.replace(/\W/g, "_");
  const factory = new Function(
    "type",
    "headWriter",
    "Reader",
    `"use strict";
    return {
      encode: function encode${name}(value, head) {
        return type.encode(value, headWriter(head)).finish();
      },
      decode: function decode${name}(frame, offset) {
        var reader = Reader.create(frame);
        reader.pos = offset;
        reader.discardUnknown = false;
        return type.decode(reader);
      },
    };`,
  ) as CoderFactory;
  return factory(type, headWriter, protobuf.Reader);
}

/**
 * A writer that starts with the envelope head. `Writer.raw` copies through
 * `TypedArray.set`, which costs as much as several fields of a small message;
 * the common three-byte head `[h, t, v]` (h the envelope header, which has
 * its top bit set, and 0 < t < 128) is exactly the varint of
 * `(h & 0x7f) + 128 t` followed by the varint of `v`, which the writer's
 * varint path writes in place.
 */
function headWriter(head: Uint8Array): protobuf.Writer {
  const writer = protobuf.Writer.create();
  const typeId = head[1] ?? 0;
  return head.length === 3 && head[0] === ENVELOPE_HEADER && typeId > 0 && typeId < 0x80
    ? writer.uint32((ENVELOPE_HEADER & 0x7f) + typeId * 0x80).uint32(head[2] ?? 0)
    : writer.raw(head);
}
