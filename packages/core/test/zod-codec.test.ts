import fc from "fast-check";
import { CoreErrorCode, defineMessageType, defineProtocol, encodeEnvelopeHead, zodCodec } from "@twostep/core";
import { CustomerUpdatedV1, CustomerUpdatedV2, downgradeCustomerUpdated, upgradeCustomerUpdated } from "@twostep/example-shop";
import { describe, expect, test } from "vitest";
import { z } from "zod";
import { expectTwostepError } from "./support/expect-error.js";
import { shop, valueArbitrary } from "./support/shop.js";

const olderType = shop.protocol.type("customers.CustomerUpdated");

/** A newer build whose v2 gained a `phone` key without a version bump. */
const newerType = defineMessageType({
  name: "customers.CustomerUpdated",
  id: 2,
  versions: [
    { version: 1, codec: zodCodec(CustomerUpdatedV1) },
    {
      version: 2,
      codec: zodCodec(CustomerUpdatedV2.extend({ phone: z.string() })),
      upgrade: (v1) => ({ ...upgradeCustomerUpdated(v1), phone: "" }),
      downgrade: ({ phone: _, ...v2 }) => downgradeCustomerUpdated(v2),
    },
  ],
});
const newer = defineProtocol({ types: [newerType] });

describe("zod codec", () => {
  test("a loose version passes on keys a newer build added when an older build forwards the frame", () => {
    fc.assert(
      fc.property(valueArbitrary(olderType, 2), fc.string(), (value, phone) => {
        const seenByOlder = shop.protocol.decode(newerType.encodeWire({ ...(value as object), phone }, 2));
        const forwarded = olderType.encodeWire(seenByOlder.wire, seenByOlder.version);
        expect(newer.decode(forwarded).wire).toEqual({ ...(value as object), phone });
      }),
    );
  });

  test("z.object drops and z.strictObject refuses keys that a newer writer added", () => {
    const probe = (schema: z.ZodType) => defineMessageType({ name: "probe.Keys", id: 9, versions: [{ version: 1, codec: zodCodec(schema) }] });
    const frame = probe(z.looseObject({ a: z.number() })).encodeWire({ a: 1, added: 2 }, 1);
    expect(defineProtocol({ types: [probe(z.object({ a: z.number() }))] }).decode(frame).wire).toEqual({ a: 1 });
    expectTwostepError(
      () => defineProtocol({ types: [probe(z.strictObject({ a: z.number() }))] }).decode(frame),
      CoreErrorCode.InvalidPayload,
      /probe\.Keys v1: payload does not match its schema: .*added/,
    );
  });

  test.each([
    ["bytes that are not UTF-8", [0xff, 0xfe], /probe\.Json v1: payload does not match its schema/],
    ["text that is not JSON", [...new TextEncoder().encode("{nope")], /JSON/],
    ["JSON that fails the schema", [...new TextEncoder().encode('{"a":"one"}')], /a: .*number/i],
  ])("gives INVALID_PAYLOAD for %s", (_, payload, message) => {
    const type = defineMessageType({ name: "probe.Json", id: 3, versions: [{ version: 1, codec: zodCodec(z.object({ a: z.number() })) }] });
    const frame = new Uint8Array([...encodeEnvelopeHead(3, 1), ...payload]);
    expectTwostepError(() => defineProtocol({ types: [type] }).decode(frame), CoreErrorCode.InvalidPayload, message, /twostep check/);
  });
});

describe("zod codec text", () => {
  const type = defineMessageType({ name: "probe.Text", id: 4, versions: [{ version: 1, codec: zodCodec(z.looseObject({ a: z.string() })) }] });
  const protocol = defineProtocol({ types: [type] });
  const framed = (payload: readonly number[]) => new Uint8Array([...encodeEnvelopeHead(4, 1), ...payload]);
  const utf8 = (text: string) => [...new TextEncoder().encode(text)];

  test.each([
    ["a byte that starts no character, inside a string", [...utf8('{"a":"'), 0xff, ...utf8('"}')]],
    ["a character cut short", [...utf8('{"a":"'), 0xc3, ...utf8('"}')]],
    ["an overlong encoding of a slash", [...utf8('{"a":"'), 0xc0, 0xaf, ...utf8('"}')]],
    ["a UTF-16 surrogate written as UTF-8", [...utf8('{"a":"'), 0xed, 0xa0, 0x80, ...utf8('"}')]],
  ])("refuses %s (never reads it as U+FFFD)", (_, payload) => {
    expectTwostepError(() => protocol.decode(framed(payload)), CoreErrorCode.InvalidPayload, /not valid UTF-8/);
  });

  test("reads U+FFFD written as such, non-ASCII text, and a leading byte-order mark, from Buffers and plain arrays", () => {
    for (const text of ["\uFFFD", "zoë", "日本", "😀"]) {
      const payload = utf8(JSON.stringify({ a: text }));
      expect(protocol.decode(framed(payload)).value).toEqual({ a: text });
      expect(protocol.decode(Buffer.from(framed(payload))).value).toEqual({ a: text });
    }
    expect(protocol.decode(framed([0xef, 0xbb, 0xbf, ...utf8('{"a":"x"}')])).value).toEqual({ a: "x" });
  });

  test("frames written one after another keep their bytes, small ones cut from a shared pool and large ones not", () => {
    const texts = Array.from({ length: 300 }, (_, index) => `${"ë".repeat((index * 37) % 1500)}${"😀".repeat(index % 3)}`);
    const frames = texts.map((text) => type.encodeWire({ a: text }, 1));
    frames.forEach((frame, index) => {
      expect(Buffer.isBuffer(frame)).toBe(true);
      expect(protocol.decode(frame).value).toEqual({ a: texts[index] });
    });
  });

  test("a frame is exactly head and text: no room left behind it", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (text) => {
        const frame = type.encodeWire({ a: text }, 1);
        expect(frame.length).toBe(3 + new TextEncoder().encode(JSON.stringify({ a: text })).length);
        expect(protocol.decode(frame).value).toEqual({ a: text });
      }),
    );
  });
});
