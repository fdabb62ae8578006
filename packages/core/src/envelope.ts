import { CorruptFrameError } from "./errors.js";
import { MAX_VARINT, readVarint, varintSize, writeVarint } from "./varint.js";

/**
 * First byte of every twostep frame: `0x87`.
 *
 * No valid protobuf message starts with it: its low three bits are wire type
 * 7, which does not exist. No JSON text (nor any UTF-8 text) starts with it:
 * it is a UTF-8 continuation byte. So a reader tells an enveloped frame from a
 * legacy bare payload by its first byte alone. The bytes `0x87 | n << 3` for
 * n = 1..7 share both properties and are kept for future envelope formats.
 */
export const ENVELOPE_HEADER = 0x87;

/** The parsed head of a frame: which type and version its payload is. */
export interface EnvelopeHead {
  /** Stable numeric id of the message type. */
  readonly typeId: number;
  /** Version of the payload on the wire. */
  readonly version: number;
  /** Offset of the payload's first byte within the frame. */
  readonly payloadOffset: number;
}

/** True when `frame` starts with the envelope header (it may still be corrupt). */
export function isEnveloped(frame: Uint8Array): boolean {
  return frame[0] === ENVELOPE_HEADER;
}

/**
 * Encodes the envelope head for a type id and version: three bytes when both
 * are below 128. Throws a `RangeError` for ids or versions outside uint32.
 */
export function encodeEnvelopeHead(typeId: number, version: number): Uint8Array {
  checkUint32("type id", typeId);
  checkUint32("version", version);
  const head = new Uint8Array(1 + varintSize(typeId) + varintSize(version));
  head[0] = ENVELOPE_HEADER;
  writeVarint(head, writeVarint(head, 1, typeId), version);
  return head;
}

/**
 * Parses the head of an enveloped frame. Throws {@link CorruptFrameError}
 * when the header byte is wrong or a varint is truncated or too large.
 */
export function decodeEnvelopeHead(frame: Uint8Array): EnvelopeHead {
  if (frame.length === 0) throw new CorruptFrameError("empty frame");
  if (frame[0] !== ENVELOPE_HEADER) {
    throw new CorruptFrameError(`header byte 0x${hexByte(frame[0] ?? 0)} is not the envelope header 0x87`);
  }
  const shortTypeId = frame[1];
  const shortVersion = frame[2];
  // The common three-byte head, read without the varint reader's allocations.
  if (shortTypeId !== undefined && shortTypeId < 0x80 && shortVersion !== undefined && shortVersion < 0x80) {
    return { typeId: shortTypeId, version: shortVersion, payloadOffset: 3 };
  }
  const typeId = readVarint(frame, 1);
  if (typeId === undefined) throw new CorruptFrameError("type id varint is truncated or exceeds 32 bits");
  const version = readVarint(frame, typeId.next);
  if (version === undefined) throw new CorruptFrameError("version varint is truncated or exceeds 32 bits");
  return { typeId: typeId.value, version: version.value, payloadOffset: version.next };
}

function checkUint32(what: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > MAX_VARINT) {
    throw new RangeError(`${what} ${value} is not an integer from 0 to ${MAX_VARINT}`);
  }
}

/** Two lowercase hex digits of `byte`, for error messages. Internal: not re-exported from the package. */
export function hexByte(byte: number): string {
  return byte.toString(16).padStart(2, "0");
}
