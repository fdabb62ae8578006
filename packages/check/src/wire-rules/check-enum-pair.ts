import type { EnumSchema } from "../proto/index.js";
import { type Violation, WireRule } from "../violation/index.js";
import { checkReservations } from "./check-reservations.js";
import { inRanges, MAX_ENUM_NUMBER } from "./number-ranges.js";
import { violationAt } from "./violation-at.js";

/**
 * The WIRE rules on one enum present on both sides:
 * ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED (a number is gone when no
 * value, alias included, has it) and RESERVED_ENUM_NO_DELETE, reported at the
 * enum. Appends to `out`.
 */
export function checkEnumPair(previous: EnumSchema, current: EnumSchema, out: Violation[]): void {
  for (const number of previous.numbers) {
    if (current.numbers.has(number) || inRanges(number, current.reservedRanges)) continue;
    out.push(
      violationAt(
        WireRule.EnumValueNoDeleteUnlessNumberReserved,
        current.file,
        current.at,
        `Previously present enum value "${number}" on enum "${current.name}" was deleted without reserving the number "${number}".`,
        `Restore the value numbered ${number}, or add \`reserved ${number};\` to enum ${current.name} so that the number is never reused with another meaning.`,
        current.fullName,
      ),
    );
  }
  checkReservations(WireRule.ReservedEnumNoDelete, previous, { ...current, kind: "enum", element: current.fullName, max: MAX_ENUM_NUMBER }, out);
}
