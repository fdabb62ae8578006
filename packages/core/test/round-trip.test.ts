import fc from "fast-check";
import { CoreErrorCode } from "@twostep/core";
import { describe, expect, test } from "vitest";
import { expectTwostepError } from "./support/expect-error.js";
import { comparable, shop, shopFrameArbitrary, shopVersions, valueArbitrary } from "./support/shop.js";

const cells = shopVersions.map(({ type, version }) => ({ name: `${type.name} v${version}`, type, version }));

describe.each(cells)("$name", ({ type, version }) => {
  test("encodeWire then protocol.decode gives an equal wire value at the same version", () => {
    fc.assert(
      fc.property(valueArbitrary(type, version), (value) => {
        const frame = type.encodeWire(value, version);
        const decoded = shop.protocol.decode(frame);
        expect(decoded.type).toBe(type);
        expect(decoded.version).toBe(version);
        expect(decoded.legacy).toBe(false);
        expect(comparable(type, version, decoded.wire)).toEqual(comparable(type, version, value));
        expect(comparable(type, type.latest, decoded.value)).toEqual(comparable(type, type.latest, type.upgrade(value, version)));
      }),
      { numRuns: 150 },
    );
  });
});

describe("forwarding", () => {
  test("decoded.frame is the very frame that was decoded", () => {
    fc.assert(
      fc.property(shopFrameArbitrary, (frame) => {
        expect(shop.protocol.decode(frame).frame).toBe(frame);
      }),
      { numRuns: 300 },
    );
  });

  test("encodeWire(decoded.wire, decoded.version) is byte-identical to a frame of the same build", () => {
    fc.assert(
      fc.property(shopFrameArbitrary, (frame) => {
        const decoded = shop.protocol.decode(frame);
        expect(decoded.type.encodeWire(decoded.wire, decoded.version)).toEqual(frame);
      }),
      { numRuns: 300 },
    );
  });
});

/** The migration pairs (v-1 <-> v) that their version declares lossless. */
const losslessPairs = shopVersions
  .filter(({ type, version }) => type.version(version)?.lossless === true)
  .map(({ type, version }) => ({ name: `${type.name} v${version - 1} -> v${version} -> v${version - 1}`, type, version }));

describe("lossless migrations", () => {
  test("the shop declares lossless pairs, so the property below runs", () => {
    expect(losslessPairs.map(({ name }) => name)).toEqual(["orders.OrderPlaced v1 -> v2 -> v1", "customers.CustomerUpdated v1 -> v2 -> v1"]);
  });

  describe.each(losslessPairs)("$name", ({ type, version }) => {
    test("downgrade(upgrade(previous)) equals previous", () => {
      fc.assert(
        fc.property(valueArbitrary(type, version - 1), (previous) => {
          const upgraded = type.upgrade(previous, version - 1, version);
          const back = type.downgrade(upgraded, version, version - 1);
          expect(comparable(type, version - 1, back)).toEqual(comparable(type, version - 1, previous));
        }),
        { numRuns: 300 },
      );
    });

    test("a frame written at the previous version and read by this build says the same after a downgrade", () => {
      fc.assert(
        fc.property(valueArbitrary(type, version - 1), (previous) => {
          const decoded = shop.protocol.decode(type.encodeWire(previous, version - 1));
          const rewritten = shop.protocol.decode(type.encode(decoded.value, version - 1));
          expect(comparable(type, version - 1, rewritten.wire)).toEqual(comparable(type, version - 1, previous));
        }),
        { numRuns: 100 },
      );
    });
  });
});

describe("lossy downgrades", () => {
  const orders = shop.protocol.type("orders.OrderPlaced");

  test("a v2 order in another currency cannot be written at v1, and the error says to keep writing v2", () => {
    const error = expectTwostepError(
      () => orders.encode({ orderId: "o-1", items: [], total: { currencyCode: "EUR", units: 5, nanos: 0 } }, 1),
      CoreErrorCode.MigrationFailed,
      /orders\.OrderPlaced: migration v2 -> v1 failed: v1 carries USD only/,
      /fix the downgrade function of v2, or write at v2/,
    );
    expect(error.cause).toBeInstanceOf(Error);
  });
});
