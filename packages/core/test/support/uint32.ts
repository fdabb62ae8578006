import { MAX_VARINT } from "@twostep/core";
import fc from "fast-check";

/** uint32 values that draw every varint length boundary often, not only by luck. */
export const uint32Arbitrary: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, 1, 0x7f, 0x80, 0x3fff, 0x4000, 0x1f_ffff, 0x20_0000, 0x0fff_ffff, 0x1000_0000, MAX_VARINT - 1, MAX_VARINT),
  fc.integer({ min: 0, max: MAX_VARINT }),
  fc.integer({ min: 0, max: 0x3fff }),
);
