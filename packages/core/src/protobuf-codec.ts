import protobuf from "protobufjs";
import type { Codec } from "./codec.js";
import { ENVELOPE_HEADER } from "./envelope.js";
import { nodeBuffer } from "./node-buffer.js";

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

/** What the compiled coders use: the type, and the writer and readers they reuse. */
interface CoderParts {
  readonly type: protobuf.Type;
  readonly header: number;
  readonly Writer: typeof protobuf.Writer;
  readonly Reader: typeof protobuf.Reader;
  readonly isBuffer: (value: unknown) => boolean;
  /** Readers kept for reuse: one over Buffers (whose strings decode natively), one over other Uint8Arrays. */
  readonly bufferReader: protobuf.Reader;
  readonly arrayReader: protobuf.Reader;
  readonly empty: Uint8Array;
  /** A reused writer whose buffer grew past this is dropped after the frame, so that one large message does not stay in memory. */
  readonly keptBytes: number;
}

type CoderFactory = (parts: CoderParts) => Coders;

/**
 * The encode and decode functions of one type, compiled for that type alone.
 * Functions written once here would be shared by every type: their calls into
 * protobufjs's generated coders would see many targets, and V8 would stop
 * inlining them: up to a tenth of a small message's encode time in a process
 * that uses several types (measured with bench/). protobufjs compiles its own
 * coders with `Function` too, so this needs nothing it does not already need.
 *
 * Each type reuses one writer and two readers: a raw `Type.encode` allocates
 * a writer and its 128-byte buffer per message, and `Type.decode` a reader,
 * which on small messages costs more than the envelope. Coding is
 * synchronous and calls no code of ours, so a coder in use is only ever
 * entered again from a value's own getter; that call gets a writer or
 * reader of its own.
 */
function compileCoders(type: protobuf.Type): Coders {
  const name = type.fullName.replace(/\W/g, "_");
  const factory = new Function(
    "parts",
    `"use strict";
    var type = parts.type, header = parts.header, Writer = parts.Writer, Reader = parts.Reader, isBuffer = parts.isBuffer;
    var bufferReader = parts.bufferReader, arrayReader = parts.arrayReader, empty = parts.empty, keptBytes = parts.keptBytes;
    var slice = Uint8Array.prototype.slice;
    var writer = null, writing = false, reading = false;
    function writeHead(target, head) {
      // The common head [h, t, v] (h the envelope header, top bit set) with 0 < t < 128 is exactly
      // the varint of (h & 0x7f) + 128 t followed by the varint of v, which the writer writes in place.
      var typeId = head[1];
      if (head.length === 3 && head[0] === header && typeId > 0 && typeId < 0x80) target.uint32((header & 0x7f) + typeId * 0x80).uint32(head[2]);
      else target.raw(head);
      return target;
    }
    // A decode entered again while the reused reader is in use (from a value's own getter): a reader of its own.
    function decodeAgain(frame, offset) {
      var reader = Reader.create(frame);
      reader.pos = offset;
      reader.discardUnknown = false;
      return type.decode(reader);
    }
    bufferReader.discardUnknown = false;
    arrayReader.discardUnknown = false;
    return {
      encode: function encode${name}(value, head) {
        if (writing) return type.encode(value, writeHead(Writer.create(), head)).finish();
        var target = writer === null ? (writer = Writer.create()) : writer;
        target.pos = 0;
        // Every fork is closed by the end of an encode that did not throw: only a failed one leaves some behind.
        if (target.states !== null && target.states.length !== 0) target.states.length = 0;
        writing = true;
        try {
          type.encode(value, writeHead(target, head));
          // A copy of exactly the frame (a Buffer of its own): cheaper than finish(), which makes a view to copy from.
          return slice.call(target.buf, 0, target.pos);
        } finally {
          writing = false;
          if (target.buf.length > keptBytes) writer = null;
        }
      },
      decode: function decode${name}(frame, offset) {
        if (reading) return decodeAgain(frame, offset);
        // Both readers were made with discardUnknown false, and nothing else sees them to change it.
        var reader = isBuffer(frame) ? bufferReader : arrayReader;
        reader.buf = frame;
        reader.pos = offset;
        reader.len = frame.length;
        reader.view = null;
        reading = true;
        try {
          return type.decode(reader);
        } finally {
          reading = false;
          reader.buf = empty;
          reader.len = 0;
        }
      },
    };`,
  ) as CoderFactory;
  const empty = new Uint8Array(0);
  return factory({
    type,
    header: ENVELOPE_HEADER,
    Writer: protobuf.Writer,
    Reader: protobuf.Reader,
    isBuffer: nodeBuffer === undefined ? () => false : nodeBuffer.isBuffer.bind(nodeBuffer),
    bufferReader: protobuf.Reader.create(nodeBuffer === undefined ? empty : nodeBuffer.allocUnsafe(0)),
    arrayReader: new protobuf.Reader(empty),
    empty,
    keptBytes: 64 * 1024,
  });
}
