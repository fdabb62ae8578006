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
