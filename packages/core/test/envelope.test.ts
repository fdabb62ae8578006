import fc from "fast-check";
import {
  CoreErrorCode,
  ENVELOPE_HEADER,
  MAX_VARINT,
  decodeEnvelopeHead,
  defineMessageType,
  defineProtocol,
  encodeEnvelopeHead,
  varintSize,
  zodCodec,
} from "@twostep/core";
import { comparableMessage, protobufArbitrary } from "@twostep/testkit/arbitraries";
import { describe, expect, test } from "vitest";
import { z } from "zod";
import { expectTwostepError } from "./support/expect-error.js";
import { kitchenSinkMessages, kitchenSinkRoot } from "./support/kitchen-sink.js";
import { shop, shopWithoutLegacy } from "./support/shop.js";
import { uint32Arbitrary } from "./support/uint32.js";

const v1 = shop.root.lookupType("shop.orders.v1.OrderPlaced");
const v2 = shop.root.lookupType("shop.orders.v2.OrderPlaced");

describe("envelope head", () => {
  test("decodes to the type id, version and payload offset it was encoded with", () => {
    fc.assert(
      fc.property(uint32Arbitrary, uint32Arbitrary, fc.uint8Array({ maxLength: 8 }), (typeId, version, payload) => {
        const head = encodeEnvelopeHead(typeId, version);
        const frame = new Uint8Array([...head, ...payload]);
        expect(head[0]).toBe(ENVELOPE_HEADER);
        expect(head.length).toBe(1 + varintSize(typeId) + varintSize(version));
        expect(decodeEnvelopeHead(frame)).toEqual({ typeId, version, payloadOffset: head.length });
      }),
    );
  });

  test("costs three bytes when type id and version are below 128", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0, max: 0x7f }), (typeId, version) => {
        expect(encodeEnvelopeHead(typeId, version)).toEqual(new Uint8Array([ENVELOPE_HEADER, typeId, version]));
      }),
    );
  });

  test.each([-1, MAX_VARINT + 1, 1.5, Number.NaN])("refuses the type id or version %s, outside uint32", (value) => {
    expect(() => encodeEnvelopeHead(value, 1)).toThrow(RangeError);
    expect(() => encodeEnvelopeHead(1, value)).toThrow(/is not an integer from 0 to 4294967295/);
  });

  test.each([
    ["an empty frame", [], /empty frame/],
    ["a truncated type id", [0x87, 0x80], /type id varint is truncated/],
    ["a missing version", [0x87, 0x01], /version varint is truncated/],
    ["a type id above 32 bits", [0x87, 0xff, 0xff, 0xff, 0xff, 0x10, 0x01], /type id varint .* exceeds 32 bits/],
    ["a version longer than five bytes", [0x87, 0x01, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00], /version varint .* exceeds 32 bits/],
    ["another header byte", [0x8f, 0x01, 0x01], /header byte 0x8f is not the envelope header 0x87/],
  ])("gives CORRUPT_FRAME for %s", (_, bytes, message) => {
    expectTwostepError(
      () => decodeEnvelopeHead(new Uint8Array(bytes)),
      CoreErrorCode.CorruptFrame,
      message,
      /not written by a twostep encoder, or were damaged in transit/,
    );
  });
});

describe("frames through a protocol", () => {
  const payload = z.strictObject({ n: z.number() });

  test("decode as the type id and version they were written with, over all of uint32", () => {
    fc.assert(
      fc.property(uint32Arbitrary, fc.integer({ min: 1, max: MAX_VARINT - 1 }), fc.boolean(), fc.integer(), (id, first, older, n) => {
        const type = defineMessageType({
          name: "probe.Frame",
          id,
          versions: [
            { version: first, codec: zodCodec(payload) },
            { version: first + 1, codec: zodCodec(payload), upgrade: (value) => value, downgrade: (value) => value },
          ],
        });
        const version = older ? first : first + 1;
        const frame = type.encode({ n }, version);
        const decoded = defineProtocol({ types: [type] }).decode(frame);
        expect(decoded.type).toBe(type);
        expect(decoded.version).toBe(version);
        expect(decoded.wire).toEqual({ n });
        expect(decodeEnvelopeHead(frame).payloadOffset).toBe(1 + varintSize(id) + varintSize(version));
      }),
    );
  });
});

describe("the header byte 0x87", () => {
  const messages = [
    ...[v1, v2].map((type) => ({ type, arbitrary: protobufArbitrary(type) })),
    ...kitchenSinkMessages.map((name) => {
      const type = kitchenSinkRoot().lookupType(name);
      return { type, arbitrary: protobufArbitrary(type, { maxDepth: 1, maxLength: 2 }) };
    }),
  ];

  test("no protobuf encoding starts with it: the first byte of a tag has wire type 0 to 5", () => {
    fc.assert(
      fc.property(fc.oneof(...messages.map(({ type, arbitrary }) => arbitrary.map((value) => type.encode(value).finish()))), (bytes) => {
        expect(bytes.length === 0 || bytes[0] !== ENVELOPE_HEADER).toBe(true);
        if (bytes.length > 0) expect(bytes[0]! & 0b111).toBeLessThanOrEqual(5);
      }),
      { numRuns: 500 },
    );
  });

  test("a protobuf reader refuses it as the first byte: wire type 7 does not exist", () => {
    expect(() => v1.decode(new Uint8Array([ENVELOPE_HEADER, 0x01, 0x01]))).toThrow(/wire type 7/);
  });

  test("no JSON text starts with it: JSON.stringify of anything begins with an ASCII byte", () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.jsonValue(), fc.string({ unit: "binary" })), (value) => {
        const text = JSON.stringify(value) as string | undefined;
        const first = text === undefined ? undefined : new TextEncoder().encode(text)[0];
        expect(first === undefined || first < 0x80).toBe(true);
        expect(first).not.toBe(ENVELOPE_HEADER);
      }),
      { numRuns: 1000 },
    );
  });

  test("no UTF-8 text at all starts with it: it is a continuation byte", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", minLength: 1 }), (text) => {
        expect(new TextEncoder().encode(text)[0]).not.toBe(ENVELOPE_HEADER);
      }),
      { numRuns: 500 },
    );
  });
});

describe("legacy bare payloads", () => {
  test("a bare protobuf v1 payload decodes as orders.OrderPlaced v1 when the manifest declares legacy", () => {
    const bare = v1.encode({ orderId: "o-7", customerId: "c-1", amountCents: 1999, items: [{ sku: "pen", quantity: 3 }] }).finish();
    const decoded = shop.protocol.decode(bare);
    expect(decoded).toMatchObject({ version: 1, legacy: true, frame: bare });
    expect(decoded.type.name).toBe("orders.OrderPlaced");
    expect(comparableMessage(v2, decoded.value)).toEqual({
      orderId: "o-7",
      customerId: "c-1",
      items: [{ sku: "pen", quantity: 3 }],
      total: { currencyCode: "USD", units: "19", nanos: 990_000_000 },
    });
  });

  test("every non-empty bare v1 payload reads as the v1 value it encodes", () => {
    fc.assert(
      fc.property(
        protobufArbitrary(v1).filter((value) => v1.encode(value).len > 0),
        (value) => {
          const decoded = shop.protocol.decode(v1.encode(value).finish());
          expect(decoded.legacy).toBe(true);
          expect(comparableMessage(v1, decoded.wire)).toEqual(comparableMessage(v1, value));
        },
      ),
      { numRuns: 200 },
    );
  });

  test("the shop manifest declares orders.OrderPlaced v1 as its legacy reading", () => {
    expect(shop.manifest.legacy).toEqual({ type: "orders.OrderPlaced", version: 1 });
    expect(shopWithoutLegacy().legacy).toBeUndefined();
  });

  test("without a legacy reading, a bare payload is a CORRUPT_FRAME that says how to read it", () => {
    const bare = v1.encode({ orderId: "o-7", amountCents: 1999 }).finish();
    expectTwostepError(
      () => shopWithoutLegacy().decode(bare),
      CoreErrorCode.CorruptFrame,
      /first byte 0x0a is not the envelope header 0x87/,
      /declare one to read bare payloads/,
    );
  });

  test("without a legacy reading, an enveloped frame still decodes", () => {
    const frame = shop.protocol.type("orders.OrderPlaced").encode({ orderId: "o-8", items: [] });
    expect(shopWithoutLegacy().decode(frame)).toMatchObject({ version: 2, legacy: false });
  });
});
