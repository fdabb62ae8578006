import { isUtf8 } from "node:buffer";

/**
 * The text of `bytes` as `decoder` reads them (it must replace invalid
 * bytes, not throw), or undefined when they are not valid UTF-8: nothing is
 * read with a replacement character in place of invalid bytes. Decoded
 * once, then checked only when the text holds a U+FFFD, which invalid bytes
 * always leave behind: the engine answers that at once for text of one-byte
 * characters, where a check of the bytes costs a pass of its own.
 */
export function strictText(decoder: { decode(bytes: Uint8Array): string }, bytes: Uint8Array): string | undefined {
  const text = decoder.decode(bytes);
  return text.indexOf("\uFFFD") === -1 || isUtf8(bytes) ? text : undefined;
}
