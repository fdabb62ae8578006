import type { EntryKey, StoredEntry } from "@twostep/fleet/control-plane";
import { keyId } from "@twostep/fleet/control-plane";

const utf8 = new TextEncoder();
const text = new TextDecoder();

/** The bytes of a small value: the contract stores opaque bytes, so any will do. */
export function bytes(value: string): Uint8Array {
  return utf8.encode(value);
}

/** The text of stored bytes. */
export function textOf(value: Uint8Array): string {
  return text.decode(value);
}

/** Entries as `key -> value text`, for comparisons that do not care about order or revisions. */
export function valuesByKey(entries: readonly StoredEntry[]): Record<string, string> {
  return Object.fromEntries(entries.map((entry) => [keyId(entry.key), `${entry.tombstone ? "tombstone:" : ""}${textOf(entry.value)}`]));
}

/** A level key of `capability`. */
export function levelKey(capability: string): EntryKey {
  return { kind: "level", capability };
}

/** A member key. */
export function memberKey(nodeId: string, incarnation = "0123456789abcdef"): EntryKey {
  return { kind: "member", nodeId, incarnation };
}
