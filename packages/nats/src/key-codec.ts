import { InvalidRequestError } from "@twostep/fleet";

/** The longest encoded key accepted: subjects must fit well inside the server's 4 KiB control line. */
const MAX_KEY_LENGTH = 1_000;

const hex = "0123456789ABCDEF";
const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Encodes a node id or capability name as one KV key token (and one subject
 * token): ASCII letters, digits and `-` stay as they are, every other UTF-8
 * byte becomes `_` and two upper-case hex digits, so `orders.OrderPlaced`
 * becomes `orders_2EOrderPlaced`. Reversible, and never contains `.`, so a
 * key is one token that permissions can name exactly. Throws
 * {@link InvalidRequestError} for what is not a string, an empty name, one
 * with a lone surrogate, or one too long to be a key.
 */
export function encodeKey(name: string): string {
  // A caller without types may give anything: only a string is a name.
  if (typeof name !== "string") throw new InvalidRequestError(`a control-plane key is made of names, and this one is ${typeof name}, not a string`);
  if (name.length === 0) throw new InvalidRequestError("an empty name cannot be a control-plane key: give a node id or capability name");
  // A lone surrogate would encode like U+FFFD, and two names must never share a key.
  if (/\p{Cs}/u.test(name)) throw new InvalidRequestError(`${JSON.stringify(name)} is not well-formed Unicode (it has a lone surrogate): fix the name`);
  let key = "";
  for (const byte of utf8.encode(name)) key += isPlain(byte) ? String.fromCharCode(byte) : `_${hex[byte >> 4]}${hex[byte & 15]}`;
  if (key.length > MAX_KEY_LENGTH) {
    throw new InvalidRequestError(
      `${JSON.stringify(name.slice(0, 40))}... is too long to be a control-plane key: keep names under ${MAX_KEY_LENGTH / 3} characters`,
    );
  }
  return key;
}

/** The name that {@link encodeKey} turned into `key`, or undefined when `key` is not such an encoding. */
export function decodeKey(key: string): string | undefined {
  // Most names are plain (letters, digits, `-`): they are their own spelling.
  let plain = key.length > 0;
  for (let index = 0; plain && index < key.length; index++) plain = isPlain(key.charCodeAt(index));
  if (plain) return key;
  const bytes: number[] = [];
  for (let index = 0; index < key.length; index++) {
    const code = key.charCodeAt(index);
    if (isPlain(code)) {
      bytes.push(code);
      continue;
    }
    const high = hexDigit(key[index + 1]);
    const low = hexDigit(key[index + 2]);
    if (code !== 0x5f || high < 0 || low < 0) return undefined;
    const byte = high * 16 + low;
    // Only one spelling per name: an escaped plain byte is someone else's key.
    if (isPlain(byte)) return undefined;
    bytes.push(byte);
    index += 2;
  }
  if (bytes.length === 0) return undefined;
  // ASCII bytes (`.` in `orders.OrderPlaced`) are their own characters: no decoder needed, and none can fail.
  // Only for a key short enough to be spread into one call's arguments: a longer one, from a foreign subject, is decoded below.
  if (bytes.length <= MAX_KEY_LENGTH && bytes.every((byte) => byte < 0x80)) return String.fromCharCode(...bytes);
  try {
    return strictUtf8.decode(Uint8Array.from(bytes));
  } catch {
    return undefined;
  }
}

function hexDigit(char: string | undefined): number {
  // indexOf("") is 0: a key cut short after "_" must not read as "_00".
  return char === undefined ? -1 : hex.indexOf(char);
}

function isPlain(byte: number): boolean {
  return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || byte === 0x2d;
}
