import fc from "fast-check";
import { inShare, WriteShare } from "@twostep/fleet/internal";
import { describe, expect, test } from "vitest";

// docs/fleet.md, "What a key ramp keeps" (situation 10.10 of the safety work).
describe("10.10 a key ramp", () => {
  const percent = fc.double({ min: 0, max: 100, noNaN: true });

  test("selects the same keys on every node and every build: a pure function of capability, key and percent", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), percent, (capability, key, share) => {
        const one = new WriteShare();
        const other = new WriteShare();
        // Unkeyed writes in between move only an accumulator, never the choice for a key.
        other.select(capability, share, undefined);
        expect(one.select(capability, share, key)).toBe(other.select(capability, share, key));
        expect(one.select(capability, share, key)).toBe(inShare(`${capability}\u0000${key}`, share));
      }),
    );
  });

  test("raising the share only adds keys: a key selected at a share is selected at every higher one", () => {
    fc.assert(
      fc.property(fc.string(), percent, percent, (key, a, b) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        if (inShare(key, low)) expect(inShare(key, high)).toBe(true);
      }),
    );
  });

  test("selects no key at 0% and every key at 100%, and about the share in between", () => {
    const keys = Array.from({ length: 20_000 }, (_, index) => `order-${index}`);
    expect(keys.filter((key) => inShare(key, 0))).toEqual([]);
    expect(keys.every((key) => inShare(key, 100))).toBe(true);
    const selected = keys.filter((key) => inShare(key, 10)).length;
    // A uniform hash puts 2,000 of 20,000 keys in a 10% share; 1,700 to 2,300 is six standard deviations either way.
    expect(selected).toBeGreaterThan(1_700);
    expect(selected).toBeLessThan(2_300);
  });

  test("without a key, exactly the share of writes over the stream", () => {
    const share = new WriteShare();
    const chosen = Array.from({ length: 1_000 }, () => share.select("orders.OrderPlaced", 10, undefined)).filter(Boolean).length;
    expect(chosen).toBe(100);
  });
});
