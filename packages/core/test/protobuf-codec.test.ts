import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import fc from "fast-check";
import { MAX_VARINT, decodeEnvelopeHead, defineMessageType, defineProtocol, protobufCodec } from "@twostep/core";
import { downgradeOrderPlaced, shopManifestPath, upgradeOrderPlaced } from "@twostep/example-shop";
import { comparableMessage, protobufArbitrary } from "@twostep/testkit/arbitraries";
import protobuf from "protobufjs";
import { describe, expect, test } from "vitest";
import { kitchenSinkMessages, kitchenSinkRoot } from "./support/kitchen-sink.js";
import { shop } from "./support/shop.js";
import { uint32Arbitrary } from "./support/uint32.js";

describe.each(kitchenSinkMessages)("every kind of field: %s", (name) => {
  const message = kitchenSinkRoot().lookupType(name);
  const type = defineMessageType({ name, id: 7, versions: [{ version: 1, codec: protobufCodec(message) }] });
  const protocol = defineProtocol({ types: [type] });

  test("round-trips through encodeWire and decode", () => {
    fc.assert(
      fc.property(protobufArbitrary(message, { maxDepth: 2, maxLength: 3 }), (value) => {
        const frame = type.encodeWire(value, 1);
        const decoded = protocol.decode(frame);
        expect(comparableMessage(message, decoded.wire)).toEqual(comparableMessage(message, value));
        // The SDK's payload is exactly what protobufjs writes on its own.
        expect(frame.subarray(3)).toEqual(message.encode(value).finish());
        expect(type.encodeWire(decoded.wire, 1)).toEqual(frame);
      }),
      { numRuns: 100 },
    );
  });
});

describe("the envelope head of protobuf frames", () => {
  const message = kitchenSinkRoot().lookupType("sink.Everything.Nested");

  test("is written right for every type id and version, before exactly the payload protobufjs writes", () => {
    fc.assert(
      fc.property(uint32Arbitrary, fc.integer({ min: 1, max: MAX_VARINT }), protobufArbitrary(message), (id, version, value) => {
        const type = defineMessageType({ name: "sink.Nested", id, versions: [{ version, codec: protobufCodec(message) }] });
        const frame = type.encodeWire(value, version);
        const head = decodeEnvelopeHead(frame);
        expect([head.typeId, head.version]).toEqual([id, version]);
        expect(frame.subarray(head.payloadOffset)).toEqual(message.encode(value).finish());
        expect(defineProtocol({ types: [type] }).decode(frame).version).toBe(version);
      }),
      { numRuns: 300 },
    );
  });
});

/**
 * The "newer build": v2 of orders.OrderPlaced gains fields in a wire-compatible
 * way (new field numbers, no version bump), at the top level and in a nested
 * message. Built from a modified copy of the shipped .proto text.
 */
function newerBuild() {
  const schemas = dirname(shopManifestPath);
  const read = (file: string) => readFileSync(join(schemas, file), "utf8");
  const v2 = read("shop/orders/v2/order_placed.proto");
  const grown = v2
    .replace("uint32 quantity = 2;", "uint32 quantity = 2;\n    string gift_note = 3;")
    .replace("shop.Money total = 5;", "shop.Money total = 5;\n  repeated string tags = 6;\n  int64 loyalty_points = 7;");
  expect(grown).not.toBe(v2);
  const root = new protobuf.Root();
  protobuf.parse(read("shop/money.proto"), root);
  protobuf.parse(read("shop/orders/v1/order_placed.proto"), root);
  protobuf.parse(grown, root);
  root.resolveAll();
  const v2Message = root.lookupType("shop.orders.v2.OrderPlaced");
  const type = defineMessageType({
    name: "orders.OrderPlaced",
    id: 1,
    versions: [
      { version: 1, codec: protobufCodec(root.lookupType("shop.orders.v1.OrderPlaced")) },
      { version: 2, codec: protobufCodec(v2Message), upgrade: upgradeOrderPlaced, downgrade: downgradeOrderPlaced },
    ],
  });
  return { type, protocol: defineProtocol({ types: [type] }), v2Message };
}

describe("unknown fields", () => {
  const newer = newerBuild();
  const olderV2 = shop.root.lookupType("shop.orders.v2.OrderPlaced");
  const olderType = shop.protocol.type("orders.OrderPlaced");

  test("a field added without a version bump survives decode and re-encode by an older build", () => {
    const frame = newer.type.encodeWire(
      {
        orderId: "o-1",
        items: [{ sku: "tea", quantity: 2, giftNote: "for Ada" }],
        total: { currencyCode: "EUR", units: 3, nanos: 0 },
        tags: ["gift", "express"],
        loyaltyPoints: 1200,
      },
      2,
    );
    const seenByOlder = shop.protocol.decode(frame);
    expect(olderV2.fields["tags"]).toBeUndefined();
    expect(seenByOlder.wire).not.toHaveProperty("tags");
    const forwarded = olderType.encodeWire(seenByOlder.wire, seenByOlder.version);
    const back = newer.protocol.decode(forwarded).wire as { tags: string[]; loyaltyPoints: unknown; items: { giftNote: string }[] };
    expect(back.tags).toEqual(["gift", "express"]);
    expect(String(back.loyaltyPoints)).toBe("1200");
    expect(back.items[0]?.giftNote).toBe("for Ada");
  });

  test("every value of the newer v2 reads back whole after an older build forwards it", () => {
    fc.assert(
      fc.property(protobufArbitrary(newer.v2Message), (value) => {
        const seenByOlder = shop.protocol.decode(newer.type.encodeWire(value, 2));
        expect(comparableMessage(olderV2, seenByOlder.wire)).toEqual(comparableMessage(olderV2, value));
        const back = newer.protocol.decode(olderType.encodeWire(seenByOlder.wire, seenByOlder.version));
        expect(comparableMessage(newer.v2Message, back.wire)).toEqual(comparableMessage(newer.v2Message, value));
      }),
      { numRuns: 200 },
    );
  });
});

describe("the writer and readers a protobuf type reuses", () => {
  const message = kitchenSinkRoot().lookupType("sink.Everything.Nested");
  const type = defineMessageType({ name: "sink.Nested", id: 9, versions: [{ version: 1, codec: protobufCodec(message) }] });
  const protocol = defineProtocol({ types: [type] });

  test("frames are their own bytes, exactly as long as head and payload, whatever is encoded after them", () => {
    fc.assert(
      fc.property(fc.array(protobufArbitrary(message), { minLength: 2, maxLength: 5 }), (values) => {
        const frames = values.map((value) => type.encodeWire(value, 1));
        values.forEach((value, index) => {
          const frame = frames[index] as Uint8Array;
          expect(frame.byteLength).toBe(3 + message.encode(value).finish().length);
          expect(frame.subarray(3)).toEqual(message.encode(value).finish());
        });
      }),
      { numRuns: 100 },
    );
  });

  test("a value that fails to encode halfway leaves nothing behind for the next frame", () => {
    const orders = shop.protocol.type("orders.OrderPlaced");
    const good = { orderId: "o-1", customerId: "c-1", items: [{ sku: "s", quantity: 1 }], total: { currencyCode: "USD", units: 1, nanos: 0 } };
    const expected = orders.encode(good);
    // A nested message whose field throws while the writer is inside it.
    const bad = {
      ...good,
      items: [
        {
          sku: "s",
          get quantity(): number {
            throw new Error("no quantity");
          },
        },
      ],
    };
    expect(() => orders.encode(bad as never)).toThrow(/no quantity/);
    expect(orders.encode(good)).toEqual(expected);
    expect(shop.protocol.decode(orders.encode(good)).value).toEqual(shop.protocol.decode(expected).value);
  });

  test("a value whose getter encodes another frame (the coder entered again) gets both right", () => {
    const orders = shop.protocol.type("orders.OrderPlaced");
    const inner = { orderId: "inner", customerId: "c", items: [], total: { currencyCode: "USD", units: 2, nanos: 0 } };
    let nested: Uint8Array | undefined;
    const outer = {
      get orderId(): string {
        nested = orders.encode(inner);
        return "outer";
      },
      customerId: "c",
      items: [{ sku: "s", quantity: 3 }],
      total: { currencyCode: "USD", units: 1, nanos: 0 },
    };
    const frame = orders.encode(outer as never);
    expect((shop.protocol.decode(frame).value as { orderId: string }).orderId).toBe("outer");
    expect((shop.protocol.decode(nested as Uint8Array).value as { orderId: string }).orderId).toBe("inner");
  });

  test("decodes frames in Buffers and in plain Uint8Arrays, at any offset, alike", () => {
    fc.assert(
      fc.property(protobufArbitrary(message), (value) => {
        const frame = type.encodeWire(value, 1);
        const plain = new Uint8Array(frame.length + 5).subarray(5);
        plain.set(frame);
        expect(Buffer.isBuffer(plain)).toBe(false);
        expect(comparableMessage(message, protocol.decode(plain).wire)).toEqual(comparableMessage(message, protocol.decode(frame).wire));
      }),
      { numRuns: 100 },
    );
  });
});
