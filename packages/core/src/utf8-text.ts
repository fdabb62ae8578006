import { nodeBuffer } from "./node-buffer.js";

// The WHATWG text codecs, global in Node and in browsers; declared here because core compiles without Node's types.
declare const TextEncoder: new () => { encodeInto(input: string, into: Uint8Array): { read: number; written: number } };
declare const TextDecoder: new (label: string, options: { fatal: boolean; ignoreBOM: boolean }) => { decode(input: Uint8Array): string };

const lenient = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

/**
 * The text of `bytes` from `start` on, as UTF-8, or undefined when they are
 * not valid UTF-8: invalid bytes are refused, never read as U+FFFD. A
 * leading byte-order mark is kept. Decodes once, without a fatal decoder
 * (which costs about half as much again): invalid UTF-8 always decodes with
 * a U+FFFD in its place, so a text without one was valid, and V8 answers
 * that at once for text of one-byte characters; only a text with one is
 * checked again. On Node, Buffer's own UTF-8 path is used (no Node import:
 * core also runs in browsers, where the WHATWG decoder does it).
 */
export function readUtf8(bytes: Uint8Array, start: number): string | undefined {
  const text = nodeBuffer !== undefined ? nodeBuffer.prototype.utf8Slice.call(bytes, start, bytes.length) : lenient.decode(bytes.subarray(start));
  if (text.indexOf("\uFFFD") === -1) return text;
  try {
    strict.decode(bytes.subarray(start));
    return text;
  } catch {
    return undefined;
  }
}

/**
 * A frame of `head`, then `text` in UTF-8, exactly as long as both: on Node
 * a Buffer, from Node's pool when it is small (as `Buffer.from(text)` and
 * protobufjs's writer allocate).
 */
export function writeUtf8(head: Uint8Array, text: string): Uint8Array {
  if (nodeBuffer === undefined) {
    const worst = new Uint8Array(head.length + text.length * 3);
    worst.set(head, 0);
    const { written } = encoder.encodeInto(text, worst.subarray(head.length));
    return worst.slice(0, head.length + written);
  }
  const length = nodeBuffer.byteLength(text, "utf8");
  const frame = nodeBuffer.allocUnsafe(head.length + length);
  for (let index = 0; index < head.length; index++) frame[index] = head[index] as number;
  nodeBuffer.prototype.utf8Write.call(frame, text, head.length, length);
  return frame;
}
