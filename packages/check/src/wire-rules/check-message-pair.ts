import type { MessageSchema } from "../proto/index.js";
import { type Violation, WireRule } from "../violation/index.js";
import { checkReservations } from "./check-reservations.js";
import { inRanges, MAX_FIELD_NUMBER } from "./number-ranges.js";
import { violationAt } from "./violation-at.js";

const REQUIRED_BREAKS = "Required fields must always be sent, so if one side does not know about the required field, this will result in a breakage.";

/**
 * The WIRE rules on one message present on both sides:
 * FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED, MESSAGE_SAME_REQUIRED_FIELDS and
 * RESERVED_MESSAGE_NO_DELETE. What is gone is reported at the message, an
 * added required field at the field. Required means proto2 `required` or
 * editions `features.field_presence = LEGACY_REQUIRED`. Appends to `out`.
 */
export function checkMessagePair(previous: MessageSchema, current: MessageSchema, out: Violation[]): void {
  for (const [number, field] of previous.fields) {
    const now = current.fields.get(number);
    if (now === undefined && !inRanges(number, current.reservedRanges)) {
      out.push(
        violationAt(
          WireRule.FieldNoDeleteUnlessNumberReserved,
          current.file,
          current.at,
          `Previously present field "${number}" with name "${field.name}" on message "${current.name}" was deleted without reserving the number "${number}".`,
          `Restore field ${number}, or add \`reserved ${number};\` to message ${current.name} so that the number is never reused with another meaning.`,
          `${current.fullName}.${field.name}`,
        ),
      );
    }
    if (field.cardinality === "required" && now?.cardinality !== "required") {
      out.push(
        violationAt(
          WireRule.MessageSameRequiredFields,
          current.file,
          current.at,
          `Message "${previous.name}" had required field "${number}" deleted. ${REQUIRED_BREAKS}`,
          `Restore field ${number} as required: readers built from the previous schema reject messages without it.`,
          `${current.fullName}.${field.name}`,
        ),
      );
    }
  }
  for (const [number, field] of current.fields) {
    if (field.cardinality !== "required" || previous.fields.get(number)?.cardinality === "required") continue;
    out.push(
      violationAt(
        WireRule.MessageSameRequiredFields,
        field.file,
        field.at,
        `Message "${current.name}" had required field "${number}" added. ${REQUIRED_BREAKS}`,
        `Make field ${number} optional: writers built from the previous schema do not set it, so new readers would reject their messages.`,
        field.fullName,
      ),
    );
  }
  checkReservations(WireRule.ReservedMessageNoDelete, previous, { ...current, kind: "message", element: current.fullName, max: MAX_FIELD_NUMBER }, out);
}
