import { decodeKey, encodeKey } from "@twostep/nats";
import fc from "fast-check";
import { expect, test } from "vitest";

const name = fc.string({ unit: "grapheme", minLength: 1, maxLength: 40 });

test("encodeKey gives one token of the characters NATS keys allow, and decodeKey gives the name back", () => {
  fc.assert(
    fc.property(name, (value) => {
      const key = encodeKey(value);
      expect(key).toMatch(/^[-_A-Za-z0-9]+$/);
      expect(decodeKey(key)).toBe(value);
    }),
    { numRuns: 500 },
  );
});

test("decodeKey accepts only canonical encodings: what it decodes encodes back to the same key", () => {
  fc.assert(
    fc.property(fc.string({ minLength: 1, maxLength: 12, unit: fc.constantFrom("a", "Z", "0", "-", "_", "2", "E", "F", "c", "3", ".") }), (key) => {
      const decoded = decodeKey(key);
      if (decoded !== undefined) expect(encodeKey(decoded)).toBe(key);
    }),
    { numRuns: 500 },
  );
});

test("names that cannot be keys are refused with InvalidRequestError", () => {
  for (const bad of ["", "\uD800", "x".repeat(1_001)]) expect(() => encodeKey(bad)).toThrow(expect.objectContaining({ code: "INVALID_REQUEST" }));
});

test("regression: a key cut short after `_` is no encoding (it once decoded as if it were `_00`)", () => {
  for (const key of ["_", "a_", "a_4", "_4"]) expect(decodeKey(key)).toBeUndefined();
});

test("a foreign key far longer than any encoding, with an escape in it, decodes without throwing", () => {
  const long = `${"a".repeat(200_000)}_2E`;
  expect(decodeKey(long)).toBe(`${"a".repeat(200_000)}.`);
});
