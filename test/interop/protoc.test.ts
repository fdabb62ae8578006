import { spawnSync } from "node:child_process";
import { dirname } from "node:path";
import fc from "fast-check";
import { decodeEnvelopeHead, encodeEnvelopeHead } from "@twostep/core";
import { loadShopProtocol, shopManifestPath } from "@twostep/example-shop";
import { comparableMessage, protobufArbitrary } from "@twostep/testkit/arbitraries";
import Long from "long";
import { describe, expect, test } from "vitest";

const schemas = dirname(shopManifestPath);
const files = { 1: "shop/orders/v1/order_placed.proto", 2: "shop/orders/v2/order_placed.proto" } as const;
const messages = { 1: "shop.orders.v1.OrderPlaced", 2: "shop.orders.v2.OrderPlaced" } as const;

/**
 * Runs protoc (Debian's `protobuf-compiler`) as an independent codec. Fails,
 * never skips, when it is missing: interop is a promise the suite keeps.
 */
function protoc(mode: "encode" | "decode", version: 1 | 2, input: Uint8Array | string, command = "protoc"): Buffer {
  const result = spawnSync(command, [`--${mode}=${messages[version]}`, "-I", schemas, files[version]], { input, maxBuffer: 1 << 24 });
  if (result.error !== undefined) {
    const missing = (result.error as NodeJS.ErrnoException).code === "ENOENT";
    throw new Error(
      missing
        ? "protoc is not installed, and the interop tests need it: run `apt-get install protobuf-compiler` (see README.md)"
        : `protoc failed to start: ${result.error.message}`,
    );
  }
  if (result.status !== 0) throw new Error(`protoc --${mode} exited with ${result.status}: ${result.stderr.toString()}`);
  return result.stdout;
}

const { protocol, root } = loadShopProtocol();
const orders = protocol.type("orders.OrderPlaced");
const types = { 1: root.lookupType(messages[1]), 2: root.lookupType(messages[2]) };

/** The payload of an SDK frame, without the envelope head. */
function payloadOf(frame: Uint8Array): Uint8Array {
  return frame.subarray(decodeEnvelopeHead(frame).payloadOffset);
}

describe("interop with protoc", () => {
  test("a missing protoc fails the suite with the command that installs it", () => {
    expect(() => protoc("decode", 2, new Uint8Array(), "protoc-not-installed")).toThrow(/run `apt-get install protobuf-compiler`/);
  });

  test("protoc decodes the payload of a v2 frame written by the SDK", () => {
    const frame = orders.encode({
      orderId: "o-42",
      customerId: "c-7",
      items: [
        { sku: "tea", quantity: 2 },
        { sku: "cup", quantity: 1 },
      ],
      total: { currencyCode: "EUR", units: Long.fromString("-9007199254740993"), nanos: -500_000_000 },
    });
    expect(decodeEnvelopeHead(frame)).toMatchObject({ typeId: 1, version: 2 });
    expect(protoc("decode", 2, payloadOf(frame)).toString().trim().split("\n")).toEqual([
      'order_id: "o-42"',
      'customer_id: "c-7"',
      "items {",
      '  sku: "tea"',
      "  quantity: 2",
      "}",
      "items {",
      '  sku: "cup"',
      "  quantity: 1",
      "}",
      "total {",
      '  currency_code: "EUR"',
      "  units: -9007199254740993",
      "  nanos: -500000000",
      "}",
    ]);
  });

  test("the SDK reads a bare v1 payload encoded by protoc through the legacy reading", () => {
    const text = 'order_id: "o-1" customer_id: "c-1" amount_cents: -9223372036854775808 items { sku: "pen" quantity: 4294967295 }';
    const bare = protoc("encode", 1, text);
    const decoded = protocol.decode(bare);
    expect(decoded).toMatchObject({ version: 1, legacy: true });
    expect(comparableMessage(types[2], decoded.value)).toEqual({
      orderId: "o-1",
      customerId: "c-1",
      items: [{ sku: "pen", quantity: 4294967295 }],
      total: { currencyCode: "USD", units: "-92233720368547758", nanos: -80_000_000 },
    });
  });

  test("the SDK reads a v2 payload encoded by protoc once wrapped with encodeEnvelopeHead", () => {
    const payload = protoc("encode", 2, 'order_id: "o-2" total { currency_code: "JPY" units: 18446744073 nanos: 1 }');
    const decoded = protocol.decode(new Uint8Array([...encodeEnvelopeHead(orders.id, 2), ...payload]));
    expect(decoded).toMatchObject({ version: 2, legacy: false });
    expect(comparableMessage(types[2], decoded.wire)).toMatchObject({
      orderId: "o-2",
      items: [],
      total: { currencyCode: "JPY", units: "18446744073", nanos: 1 },
    });
  });

  describe.each([1, 2] as const)("v%i values", (version) => {
    test("SDK frame -> protoc text -> protoc binary -> SDK gives the value back", () => {
      fc.assert(
        fc.property(protobufArbitrary(types[version]), (value) => {
          const text = protoc("decode", version, payloadOf(orders.encodeWire(value, version)));
          const payload = protoc("encode", version, text);
          const decoded = protocol.decode(new Uint8Array([...encodeEnvelopeHead(orders.id, version), ...payload]));
          expect(decoded.version).toBe(version);
          expect(comparableMessage(types[version], decoded.wire)).toEqual(comparableMessage(types[version], value));
        }),
        { numRuns: 15 },
      );
    });
  });
});
