import type { Reservations, SourcePosition } from "../proto/index.js";
import type { Violation, WireRule } from "../violation/index.js";
import { formatRange, sortRanges, uncoveredRanges } from "./number-ranges.js";
import { violationAt } from "./violation-at.js";

/** A message or an enum, as the reserved-range rules see it. */
export interface ReservingDeclaration extends Reservations {
  readonly kind: "message" | "enum";
  readonly name: string;
  /** Its full name. */
  readonly element: string;
  readonly file: string;
  readonly at: SourcePosition;
  /** What `max` stands for in this declaration's ranges. */
  readonly max: number;
}

/**
 * RESERVED_MESSAGE_NO_DELETE and RESERVED_ENUM_NO_DELETE: every number and
 * name reserved before is still reserved (ranges may be merged or split).
 * Reported at the declaration, as buf does.
 */
export function checkReservations(rule: WireRule, previous: Reservations, current: ReservingDeclaration, out: Violation[]): void {
  const { kind, name, element, file, at, max } = current;
  const cover = sortRanges(current.reservedRanges);
  for (const range of previous.reservedRanges) {
    const missing = uncoveredRanges(range, cover);
    if (missing.length === 0) continue;
    const printed = missing.map((part) => formatRange(part, max)).join(", ");
    out.push(
      violationAt(
        rule,
        file,
        at,
        `Previously present reserved range "${formatRange(range, max)}" on ${kind} "${name}" is missing values: ${printed} were removed.`,
        `Reserve ${printed} again in ${kind} ${name}: a reservation keeps a number that old data may still carry from being reused with another meaning.`,
        element,
      ),
    );
  }
  const names = new Set(current.reservedNames);
  for (const reserved of previous.reservedNames) {
    if (names.has(reserved)) continue;
    out.push(
      violationAt(
        rule,
        file,
        at,
        `Previously present reserved name "${reserved}" on ${kind} "${name}" was deleted.`,
        `Add \`reserved "${reserved}";\` to ${kind} ${name} again.`,
        element,
      ),
    );
  }
}
