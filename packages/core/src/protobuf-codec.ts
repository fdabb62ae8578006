import protobuf from "protobufjs";
import type { Codec } from "./codec.js";

/**
 * A codec for one protobufjs message type. Decoding keeps unknown fields (as
 * protobufjs's `$unknowns`) and encoding writes them back, so a frame written
 * by a newer build with extra fields survives decode and re-encode by an
 * older one at the same version. Decoded values are protobufjs messages:
 * 64-bit integers come back as `Long`, as raw protobufjs gives them.
 */
export function protobufCodec<T = protobuf.Message>(type: protobuf.Type): Codec<T> {
  // Compile the generated encoder and decoder now, not on the first message.
  type.setup();
  return {
    kind: "protobuf",
    schemaName: type.fullName.replace(/^\./, ""),
    encode(value, head) {
      return type.encode(value as protobuf.Message, protobuf.Writer.create().raw(head)).finish();
    },
    decode(frame, offset) {
      const reader = protobuf.Reader.create(frame);
      reader.pos = offset;
      reader.discardUnknown = false;
      return type.decode(reader) as T;
    },
  };
}
