import fc from "fast-check";
import { CoreErrorCode, defineMessageType, defineProtocol, isTwostepError, protobufCodec, zodCodec, type MessageType } from "@twostep/core";
import { TestkitErrorCode, comparableValue, versionArbitrary } from "@twostep/testkit";
import Long from "long";
import { describe, expect, test } from "vitest";
import { z } from "zod";
// The core's kitchen sink: every kind of protobuf field, shared rather than copied.
import { kitchenSinkMessages, kitchenSinkRoot } from "../../../core/test/support/kitchen-sink.js";
import { current } from "../support/shop-variants.js";

/** Every version of every type of `types`. */
function cells(types: readonly MessageType[]) {
  return types.flatMap((type) =>
    Array.from({ length: type.reads.max - type.reads.min + 1 }, (_, index) => ({
      name: `${type.name} v${type.reads.min + index}`,
      type,
      version: type.reads.min + index,
    })),
  );
}

/** A JSON type with every construct the zod generator supports, in two versions. */
const everythingJson = z.looseObject({
  id: z.uuid(),
  email: z.email(),
  label: z.string().min(1).max(6),
  count: z.int().min(0).max(1_000),
  ratio: z.number().gt(0).lt(1),
  flag: z.boolean(),
  color: z.enum(["red", "green"]),
  kind: z.literal("sink"),
  tags: z.array(z.string()).max(3),
  pair: z.tuple([z.string(), z.number()]),
  note: z.string().optional(),
  parent: z.string().nullable(),
  choice: z.union([z.object({ a: z.number() }), z.strictObject({ b: z.string() })]),
  scores: z.record(z.string(), z.number()),
  extra: z.unknown(),
});

const kitchenSinkTypes = [
  ...kitchenSinkMessages.map((name, index) => {
    const message = kitchenSinkRoot().lookupType(name);
    const same = (value: unknown) => value;
    return defineMessageType({
      name,
      id: 10 + index,
      versions: [
        { version: 1, codec: protobufCodec(message) },
        { version: 2, codec: protobufCodec(message), upgrade: same, downgrade: same },
      ],
    });
  }),
  defineMessageType({
    name: "sink.Json",
    id: 20,
    versions: [
      { version: 1, codec: zodCodec(everythingJson) },
      {
        version: 2,
        codec: zodCodec(everythingJson.extend({ added: z.number() })),
        upgrade: (v1) => ({ ...v1, added: 0 }),
        downgrade: ({ added: _, ...v1 }) => v1,
      },
    ],
  }),
];

describe.each([
  { protocol: "shop", types: current.types },
  { protocol: "kitchen sink", types: kitchenSinkTypes },
])("versionArbitrary over the $protocol protocol", ({ types }) => {
  const protocol = defineProtocol({ types });
  describe.each(cells(types))("$name", ({ type, version }) => {
    test("gives values that round-trip through encodeWire and decode", () => {
      fc.assert(
        fc.property(versionArbitrary(type, version, { maxDepth: 2, maxLength: 3 }), (value) => {
          const decoded = protocol.decode(type.encodeWire(value, version));
          expect(decoded.version).toBe(version);
          expect(comparableValue(type, version, decoded.wire)).toEqual(comparableValue(type, version, value));
        }),
        { numRuns: 100 },
      );
    });
  });
});

describe("versionArbitrary", () => {
  const customers = current.type("customers.CustomerUpdated");

  test("never gives a loose object an added key named like a field of another version, which migrations write over", () => {
    fc.assert(
      fc.property(versionArbitrary(customers, 1), (value) => {
        expect(Object.keys(value as object)).not.toContain("displayName");
        expect(Object.keys(value as object)).not.toContain("emails");
      }),
      { numRuns: 200 },
    );
  });

  test("gives loose objects added keys, as a newer writer would", () => {
    const values = fc.sample(versionArbitrary(customers, 2), { seed: 1, numRuns: 100 });
    expect(values.some((value) => Object.keys(value as object).length > 3)).toBe(true);
  });

  test("refuses a version the type does not declare, with the core's typed error", () => {
    expect(() => versionArbitrary(customers, 3)).toThrow(expect.objectContaining({ code: CoreErrorCode.UnknownVersion }));
  });

  test("refuses a codec with no schema to reflect on", () => {
    const opaque = defineMessageType({
      name: "opaque.Blob",
      id: 30,
      versions: [{ version: 1, codec: { kind: "json", schemaName: "json", schema: undefined, encode: () => new Uint8Array(), decode: () => ({}) } }],
    });
    let thrown: unknown;
    try {
      versionArbitrary(opaque, 1);
    } catch (error) {
      thrown = error;
    }
    expect(isTwostepError(thrown, TestkitErrorCode.UnsupportedSchema)).toBe(true);
    expect(thrown).toMatchObject({ subject: "opaque.Blob v1", path: "$" });
  });
});

describe("comparableValue", () => {
  const orders = current.type("orders.OrderPlaced");

  test("makes 64-bit integers given as numbers or Longs equal, and unset fields equal to their defaults", () => {
    const asNumber = comparableValue(orders, 1, { orderId: "o-1", amountCents: 250, items: [] });
    const asLong = comparableValue(orders, 1, { orderId: "o-1", customerId: "", amountCents: Long.fromNumber(250), items: [] });
    expect(asNumber).toEqual(asLong);
    expect(asNumber).toMatchObject({ amountCents: "250", customerId: "" });
  });

  test("compares JSON versions by what the schema outputs, through JSON", () => {
    const customers = current.type("customers.CustomerUpdated");
    expect(comparableValue(customers, 2, { customerId: "c", displayName: "n", emails: [], gone: undefined })).toEqual({
      customerId: "c",
      displayName: "n",
      emails: [],
    });
  });
});
