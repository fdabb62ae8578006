import fc from "fast-check";
import { DecodeCache, type MemberRecord, twostepRecordFormats } from "@twostep/fleet/internal";
import { describe, expect, test } from "vitest";
import { heartbeatRecord } from "./support/heartbeat-records.js";

// Records are UTF-8 JSON, and bytes that are not UTF-8 are refused, never
// read with replacement characters in their place: a record is decoded
// leniently and checked again only when its text holds a U+FFFD, which a
// record may also hold of its own.

const formats = twostepRecordFormats;
const fatal = new TextDecoder("utf-8", { fatal: true });
const text = new TextEncoder();

/** Text of any characters, U+FFFD often among them. */
const anyText = fc.oneof(fc.string({ unit: "binary", maxLength: 12 }), fc.constantFrom("\uFFFD", "a\uFFFDb", "Zoë\uFFFD"));
/** Bytes that are never valid UTF-8, wherever they stand: a lone continuation byte, a cut sequence, bytes no UTF-8 uses. */
const invalid = fc.constantFrom([0x80], [0xc3], [0xe2, 0x82], [0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80]);

function member(service: string): MemberRecord {
  return { nodeId: "n", incarnation: "0123abcd", service, build: "b", buildId: "0".repeat(32), labels: {}, startedAt: 0, leaseMs: 1 };
}

/** `bytes` with `inserted` right after `marker` (ASCII, so at a character boundary, where `invalid` stays invalid). */
function withBytes(bytes: Uint8Array, marker: string, inserted: readonly number[]): Uint8Array {
  const at = Buffer.from(bytes).indexOf(marker) + marker.length;
  return Uint8Array.from([...bytes.subarray(0, at), ...inserted, ...bytes.subarray(at)]);
}

function isUtf8(bytes: Uint8Array): boolean {
  try {
    fatal.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

describe("a record's bytes", () => {
  test("are read with any text of their own, U+FFFD included", () => {
    fc.assert(
      fc.property(anyText, anyText, (service, fenced) => {
        const decoded = formats.decode("member", formats.encode("member", member(`s${service}`), 1));
        expect(decoded.ok && decoded.value).toEqual(member(`s${service}`));
        const beat = heartbeatRecord("n", { fenced });
        const cache = new DecodeCache(formats);
        // The second heartbeat is read after its map, as the cache reads most.
        for (const revision of [1, 2]) {
          const read = cache.decode("heartbeat", "beats", revision, formats.encode("heartbeat", beat, 1));
          expect(read.ok && read.value).toEqual(beat);
        }
      }),
    );
  });

  test("that are not UTF-8 are refused, whole or after a known map", () => {
    fc.assert(
      fc.property(anyText, invalid, (fenced, inserted) => {
        const memberBytes = formats.encode("member", member(`s${fenced}`), 1);
        const damagedMember = withBytes(memberBytes, '"service":"', inserted);
        expect(isUtf8(damagedMember)).toBe(false);
        expect(formats.decode("member", damagedMember)).toEqual({ ok: false, problem: "the value is not JSON text", newer: false });
        const cache = new DecodeCache(formats);
        const beat = formats.encode("heartbeat", heartbeatRecord("n", { fenced }), 1);
        expect(cache.decode("heartbeat", "beats", 1, beat).ok).toBe(true);
        const damagedBeat = withBytes(beat, '"fenced":"', inserted);
        expect(isUtf8(damagedBeat)).toBe(false);
        expect(cache.decode("heartbeat", "beats", 2, damagedBeat)).toEqual({ ok: false, problem: "the value is not JSON text", newer: false });
      }),
    );
  });

  test("whatever they are, are refused as text only when they are not UTF-8 or not JSON", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        const framed = Uint8Array.from([...text.encode('{"format":1,"service":"'), ...bytes, ...text.encode('"}')]);
        let json = true;
        try {
          JSON.parse(fatal.decode(framed));
        } catch {
          json = false;
        }
        const decoded = formats.decode("member", framed);
        expect(!decoded.ok && decoded.problem === "the value is not JSON text").toBe(!json);
      }),
      { numRuns: 1_000 },
    );
  });
});
