import { Buffer, isUtf8 } from "node:buffer";

/** Node's own UTF-8 methods of Buffer, which take any Uint8Array; protobufjs uses them too, and falls back the same way when they are missing. */
interface NativeUtf8 {
  utf8Slice?(this: Uint8Array, start: number, end: number): string;
  utf8Write?(this: Uint8Array, text: string, offset: number, length: number): number;
}

const native = Buffer.prototype as unknown as NativeUtf8;
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * The text of `bytes` from `start` on, as UTF-8, or undefined when they are
 * not valid UTF-8: invalid bytes are refused, never read as U+FFFD. A
 * leading byte-order mark is kept. Decodes once, without a fatal decoder
 * (which costs about half as much again): invalid UTF-8 always decodes with
 * a U+FFFD in its place, so a text without one was valid, and V8 answers
 * that at once for text of one-byte characters; only a text with one is
 * checked again.
 */
export function readUtf8(bytes: Uint8Array, start: number): string | undefined {
  const text = native.utf8Slice !== undefined ? native.utf8Slice.call(bytes, start, bytes.length) : decoder.decode(bytes.subarray(start));
  if (text.indexOf("\uFFFD") !== -1 && !isUtf8(bytes.subarray(start))) return undefined;
  return text;
}

/**
 * A frame of `head`, then `text` in UTF-8, exactly as long as both: a
 * Buffer, from Node's pool when it is small (as `Buffer.from(text)` and
 * protobufjs's writer allocate).
 */
export function writeUtf8(head: Uint8Array, text: string): Uint8Array {
  const length = Buffer.byteLength(text, "utf8");
  const frame = Buffer.allocUnsafe(head.length + length);
  for (let index = 0; index < head.length; index++) frame[index] = head[index] as number;
  if (native.utf8Write !== undefined) native.utf8Write.call(frame, text, head.length, length);
  else frame.write(text, head.length, length, "utf8");
  return frame;
}
