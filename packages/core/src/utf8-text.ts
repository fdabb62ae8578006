import { nodeBuffer } from "./node-buffer.js";

// The WHATWG text codecs, global in Node and in browsers; declared here because core compiles without Node's types.
declare const TextEncoder: new () => { encodeInto(input: string, into: Uint8Array): { read: number; written: number } };
declare const TextDecoder: new (label: string, options: { fatal: boolean; ignoreBOM: boolean }) => { decode(input: Uint8Array): string };

const lenient = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();
/**
 * Node's Buffer, as a constant of this module: read through the import on
 * every call, its UTF-8 methods cost a small text's decode a fifth more
 * (the engine no longer calls them directly).
 */
const buffers = nodeBuffer;

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
  const text = buffers !== undefined ? buffers.prototype.utf8Slice.call(bytes, start, bytes.length) : lenient.decode(bytes.subarray(start));
  if (text.indexOf("\uFFFD") === -1) return text;
  try {
    strict.decode(bytes.subarray(start));
    return text;
  } catch {
    return undefined;
  }
}

/** `text` without a leading byte-order mark, which is no part of JSON: dropped, as a UTF-8 decoder does. */
export function withoutByteOrderMark(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Frames at most half this long are cut from a pool of this many bytes, as Node's `Buffer.from` cuts small strings from its own. */
const POOL_BYTES = 8 * 1024;
let pool: Uint8Array | undefined;
let poolUsed = 0;

/**
 * A frame of `head`, then `text` in UTF-8, exactly as long as both: on Node
 * a Buffer, cut from a shared pool when it is small, as `Buffer.from(text)`
 * and protobufjs's writer do. A small text is written once, into room for
 * its longest encoding (three bytes per UTF-16 unit), without measuring it
 * first: measuring costs as much as writing.
 */
export function writeUtf8(head: Uint8Array, text: string): Uint8Array {
  if (buffers === undefined) {
    const worst = new Uint8Array(head.length + text.length * 3);
    worst.set(head, 0);
    const { written } = encoder.encodeInto(text, worst.subarray(head.length));
    return worst.slice(0, head.length + written);
  }
  const most = head.length + text.length * 3;
  if (most > POOL_BYTES / 2) {
    const length = buffers.byteLength(text, "utf8");
    const frame = buffers.allocUnsafe(head.length + length);
    frame.set(head, 0);
    buffers.prototype.utf8Write.call(frame, text, head.length, length);
    return frame;
  }
  if (pool === undefined || most > POOL_BYTES - poolUsed) {
    pool = buffers.allocUnsafeSlow(POOL_BYTES);
    poolUsed = 0;
  }
  const start = poolUsed;
  for (let index = 0; index < head.length; index++) pool[start + index] = head[index] as number;
  const end = start + head.length + buffers.prototype.utf8Write.call(pool, text, start + head.length, most - head.length);
  // The next frame starts on a multiple of 8, as in Node's pool.
  poolUsed = (end + 7) & ~7;
  return pool.subarray(start, end);
}
