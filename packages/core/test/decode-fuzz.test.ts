import fc from "fast-check";
import { CoreErrorCode, isTwostepError, writeVarint, type Protocol } from "@twostep/core";
import { describe, expect, test } from "vitest";
import { shop, shopFrameArbitrary, shopWithoutLegacy } from "./support/shop.js";

/** A change to a frame, as a function of the frame; positions wrap around its length. */
type Mutation = (frame: Uint8Array) => Uint8Array;

const bytes = (maxLength: number) => fc.uint8Array({ minLength: 1, maxLength });
const varintBytes = fc.integer({ min: 0, max: 2 ** 35 }).map((value) => {
  const target = new Uint8Array(6);
  return target.subarray(0, writeVarint(target, 0, value));
});
const at = (frame: Uint8Array, position: number) => (frame.length === 0 ? 0 : position % (frame.length + 1));

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.nat(), fc.nat(7)).map(
    ([position, bit]): Mutation =>
      (frame) => {
        const copy = frame.slice();
        if (copy.length > 0) copy[position % copy.length]! ^= 1 << bit;
        return copy;
      },
  ),
  fc.nat().map(
    (position): Mutation =>
      (frame) =>
        frame.slice(0, at(frame, position)),
  ),
  fc.tuple(fc.nat(), bytes(6)).map(
    ([position, inserted]): Mutation =>
      (frame) => {
        const cut = at(frame, position);
        return new Uint8Array([...frame.subarray(0, cut), ...inserted, ...frame.subarray(cut)]);
      },
  ),
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 4 })).map(
    ([position, count]): Mutation =>
      (frame) => {
        const cut = at(frame, position);
        return new Uint8Array([...frame.subarray(0, cut), ...frame.subarray(cut + count)]);
      },
  ),
  // Header tweaks: another first byte, or another type id or version varint in place of byte 1 or 2.
  fc.integer({ min: 0, max: 255 }).map(
    (header): Mutation =>
      (frame) =>
        new Uint8Array([header, ...frame.subarray(1)]),
  ),
  fc.tuple(fc.constantFrom(1, 2), varintBytes).map(
    ([position, varint]): Mutation =>
      (frame) =>
        new Uint8Array([...frame.subarray(0, position), ...varint, ...frame.subarray(position + 1)]),
  ),
);

const mutatedFrame = fc
  .tuple(shopFrameArbitrary, fc.array(mutation, { minLength: 1, maxLength: 3 }))
  .map(([frame, mutations]) => mutations.reduce((current, mutate) => mutate(current), frame));
const randomFrame = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc.uint8Array({ maxLength: 64 }).map((tail) => new Uint8Array([0x87, ...tail])),
);

const codes = new Set<string>(Object.values(CoreErrorCode));

/** Decodes `frame`; returns the error code, or `ok` after checking the result. Fails on any other throw. */
function outcome(protocol: Protocol, frame: Uint8Array): string {
  try {
    const decoded = protocol.decode(frame);
    expect(decoded.frame).toBe(frame);
    expect(decoded.type.canRead(decoded.version)).toBe(true);
    return "ok";
  } catch (error) {
    if (!isTwostepError(error) || !codes.has(error.code)) {
      expect.fail(`decode threw something other than a core twostep error: ${String(error)}`);
    }
    return error.code;
  }
}

const protocols = [
  { name: "with the legacy reading", protocol: shop.protocol },
  { name: "without a legacy reading", protocol: shopWithoutLegacy() },
];

describe.each(protocols)("protocol.decode $name", ({ protocol }) => {
  test("gives only typed errors for mutated shop frames", () => {
    fc.assert(
      fc.property(mutatedFrame, (frame) => {
        outcome(protocol, frame);
      }),
      { numRuns: 2000 },
    );
  });

  test("gives only typed errors for random bytes", () => {
    fc.assert(
      fc.property(randomFrame, (frame) => {
        outcome(protocol, frame);
      }),
      { numRuns: 2000 },
    );
  });
});

test("the mutations reach every decoding stage, not only the envelope check", () => {
  const seen = new Set(fc.sample(mutatedFrame, { numRuns: 3000, seed: 42 }).map((frame) => outcome(shop.protocol, frame)));
  expect([...seen].sort()).toEqual(
    ["ok", CoreErrorCode.CorruptFrame, CoreErrorCode.InvalidPayload, CoreErrorCode.UnknownType, CoreErrorCode.UnknownVersion].sort(),
  );
});
