import { Buffer } from "node:buffer";
import { readUtf8 } from "@twostep/core/internal";

/**
 * How record format 1 lays out a heartbeat's bytes: its `applied` map comes
 * first, right after the format. Most nodes of a fleet report one of a few
 * maps, so a reader that has read a map once recognises its bytes in the
 * next heartbeat and parses only the rest (`DecodeCache`). The order of a
 * JSON object's members means nothing to JSON readers: twosteps that parse
 * whole heartbeats read these as before, and heartbeats laid out otherwise
 * are parsed whole.
 */
const APPLIED_FIRST = new TextEncoder().encode('{"format":1,"applied":');

/** Where the `applied` map of a heartbeat laid out by {@link appliedFirst} begins. */
const APPLIED_AT = APPLIED_FIRST.length;

const OPEN = 0x7b;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const CLOSE = 0x7d;
const ZERO = 0x30;
const NINE = 0x39;

/** A heartbeat's JSON members with `applied` first (the layout of record format 1). */
export function appliedFirst(model: Readonly<Record<string, unknown>>): Record<string, unknown> {
  // The spread keeps `applied` where it was first defined.
  return { applied: model["applied"], ...model };
}

/** True when `bytes` begin as a heartbeat of record format 1 laid out with its `applied` map first. */
function startsWithApplied(bytes: Uint8Array): boolean {
  if (bytes.length <= APPLIED_AT) return false;
  for (let index = 0; index < APPLIED_AT; index++) if (bytes[index] !== APPLIED_FIRST[index]) return false;
  return true;
}

/** True when `bytes` are a heartbeat laid out with the map whose JSON text is `map` (UTF-8) first, followed by more. */
export function beginsWithMap(bytes: Uint8Array, map: Uint8Array): boolean {
  const end = APPLIED_AT + map.length;
  return bytes.length > end && startsWithApplied(bytes) && Buffer.compare(bytes.subarray(APPLIED_AT, end), map) === 0;
}

/**
 * The JSON text of the `applied` map a heartbeat laid out with it first
 * seems to begin with, when it reads as `JSON.stringify` writes a map of
 * names to whole numbers; otherwise undefined. A guess to look a known map
 * up by: {@link beginsWithMap} tells whether the heartbeat holds it.
 */
export function appliedText(bytes: Uint8Array): string | undefined {
  if (!startsWithApplied(bytes)) return undefined;
  const end = appliedEnd(bytes);
  return end === undefined ? undefined : utf8Decoder.decode(bytes.subarray(APPLIED_AT, end));
}

/** Where the `applied` map that begins at {@link APPLIED_AT} ends (the index after its `}`), or undefined. */
function appliedEnd(bytes: Uint8Array): number | undefined {
  if (bytes[APPLIED_AT] !== OPEN) return undefined;
  let index = APPLIED_AT + 1;
  if (bytes[index] === CLOSE) return index + 1;
  for (;;) {
    if (bytes[index] !== QUOTE) return undefined;
    index++;
    while (index < bytes.length && bytes[index] !== QUOTE) index += bytes[index] === BACKSLASH ? 2 : 1;
    if (bytes[index + 1] !== COLON) return undefined;
    index += 2;
    const digits = index;
    while ((bytes[index] as number) >= ZERO && (bytes[index] as number) <= NINE) index++;
    if (index === digits) return undefined;
    if (bytes[index] === CLOSE) return index + 1;
    if (bytes[index] !== COMMA) return undefined;
    index++;
  }
}

/**
 * The members of a heartbeat after its `applied` map (which
 * {@link beginsWithMap} found to be `map`), parsed as one JSON object, when
 * that is what parsing the whole heartbeat
 * would give without `format` and `applied`: the map is followed by a
 * comma, the rest is UTF-8 and JSON, and it does not name `format` or
 * `applied` again (a repeated member would win). The one text it takes
 * that a whole parse refuses is a comma and no member after it; such a
 * heartbeat has none of the members its schema requires. Otherwise
 * undefined, and the heartbeat is to be parsed whole.
 */
export function membersAfter(bytes: Uint8Array, map: Uint8Array): Record<string, unknown> | undefined {
  const end = APPLIED_AT + map.length;
  if (bytes[end] !== COMMA) return undefined;
  // A byte-order mark is kept as text: at the start of the rest it stands in the middle of the heartbeat, where a whole parse refuses it.
  const text = readUtf8(bytes, end + 1);
  if (text === undefined) return undefined;
  let members: Record<string, unknown>;
  try {
    members = JSON.parse(`{${text}`) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  return Object.hasOwn(members, "format") || Object.hasOwn(members, "applied") ? undefined : members;
}

/** Decodes an applied map's text exactly as its bytes spell it (a byte-order mark kept), to look the map up by. */
const utf8Decoder = new TextDecoder("utf-8", { ignoreBOM: true });
