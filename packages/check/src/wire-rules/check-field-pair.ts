import type { FieldCardinality, FieldKind, FieldSchema } from "../proto/index.js";
import { type Violation, WireRule } from "../violation/index.js";
import { formatDefault } from "./format-default.js";
import { isZeroDefault, sameDefault } from "./same-default.js";
import { violationAt } from "./violation-at.js";

const UPDATING_LINK = "See https://developers.google.com/protocol-buffers/docs/proto3#updating for wire compatibility rules.";
const BYTES_TO_STRING =
  "Note that while string and bytes are compatible if the data is valid UTF-8, there is no way to enforce that a bytes field is UTF-8, so these fields may be incompatible.";
const NEW_FIELD = "To make this change, add a new field with a new number and stop writing this one.";

// Kinds in one group share a wire encoding (buf's WIRE grouping). string to
// bytes is the one allowed move between groups.
const WIRE_GROUPS: readonly (readonly FieldKind[])[] = [
  ["int32", "int64", "uint32", "uint64", "bool"],
  ["sint32", "sint64"],
  ["string"],
  ["bytes"],
  ["fixed32", "sfixed32"],
  ["fixed64", "sfixed64"],
  ["double"],
  ["float"],
  ["group"],
  ["message"],
  ["enum"],
];
const GROUP_OF = new Map(WIRE_GROUPS.flatMap((group, index) => group.map((kind) => [kind, index] as const)));

/**
 * The WIRE rules on one field (or extension) present on both sides:
 * FIELD_WIRE_COMPATIBLE_TYPE, FIELD_WIRE_COMPATIBLE_CARDINALITY,
 * FIELD_SAME_DEFAULT and FIELD_SAME_ONEOF. Appends to `out`.
 */
export function checkFieldPair(previous: FieldSchema, current: FieldSchema, out: Violation[]): void {
  checkType(previous, current, out);
  checkCardinality(previous, current, out);
  checkDefault(previous, current, out);
  checkOneof(previous, current, out);
}

// `Field "3" with name "amount" on message "Order"`, as buf words it.
function describeField(field: FieldSchema): string {
  return `${field.extension ? "Extension" : "Field"} "${field.number}" with name "${field.name}" on message "${field.owner}"`;
}

function checkType(previous: FieldSchema, current: FieldSchema, out: Violation[]): void {
  const report = (message: string, fix: string) =>
    out.push(violationAt(WireRule.FieldWireCompatibleType, current.file, current.typeAt, message, fix, current.fullName));
  if (GROUP_OF.get(previous.kind) !== GROUP_OF.get(current.kind)) {
    if (previous.kind === "string" && current.kind === "bytes") return;
    const note = previous.kind === "bytes" && current.kind === "string" ? ` ${BYTES_TO_STRING}` : "";
    report(
      `${describeField(current)} changed type from "${previous.kindLabel}" to "${current.kindLabel}". ${UPDATING_LINK}${note}`,
      `Change the type back to ${previous.kindLabel}${alternativesTo(previous.kind)}. ${NEW_FIELD}`,
    );
    return;
  }
  if (previous.typeName === current.typeName || (current.kind !== "enum" && current.kind !== "message" && current.kind !== "group")) return;
  if (current.kind === "enum" && enumKeepsValues(previous, current)) return;
  const sameNameEnum = current.kind === "enum" ? " (or to an enum of the same name that keeps all of its values)" : "";
  report(
    `${describeField(current)} changed type from "${previous.typeName ?? ""}" to "${current.typeName ?? ""}".`,
    `Change the type back to ${previous.typeName ?? ""}${sameNameEnum}. ${NEW_FIELD}`,
  );
}

// buf lets an enum field move to another enum of the same short name that
// has every value (name and number) of the previous one.
function enumKeepsValues(previous: FieldSchema, current: FieldSchema): boolean {
  const before = previous.enumType;
  const after = current.enumType;
  if (before === undefined || after === undefined || before.name !== after.name) return false;
  for (const [name, number] of before.values) {
    if (after.values.get(name) !== number) return false;
  }
  return true;
}

function alternativesTo(kind: FieldKind): string {
  const group = WIRE_GROUPS[GROUP_OF.get(kind) ?? -1] ?? [];
  const others = [...group.filter((other) => other !== kind), ...(kind === "string" ? ["bytes"] : [])];
  return others.length === 0 ? "" : ` (or ${others.join(", ")}, which ${others.length === 1 ? "is" : "are"} encoded the same way)`;
}

function checkCardinality(previous: FieldSchema, current: FieldSchema, out: Violation[]): void {
  if (shapeOf(previous.cardinality) === shapeOf(current.cardinality)) return;
  out.push(
    violationAt(
      WireRule.FieldWireCompatibleCardinality,
      current.file,
      current.at,
      `${describeField(current)} changed cardinality from "${previous.cardinality}" to "${current.cardinality}".`,
      `Declare the field ${shapeOf(previous.cardinality)} again. ${NEW_FIELD}`,
      current.fullName,
    ),
  );
}

// Explicit and implicit presence encode a value the same way; only
// singular, repeated and required differ on the wire.
function shapeOf(cardinality: FieldCardinality): string {
  return cardinality === "repeated" || cardinality === "required" ? cardinality : "singular";
}

function checkDefault(previous: FieldSchema, current: FieldSchema, out: Violation[]): void {
  const before = previous.defaultValue;
  const after = current.defaultValue;
  if (before === undefined || after === undefined) return;
  if ((isZeroDefault(before) && isZeroDefault(after)) || sameDefault(before, after)) return;
  out.push(
    violationAt(
      WireRule.FieldSameDefault,
      current.file,
      current.defaultAt ?? current.at,
      `${describeField(current)} changed default value from ${formatDefault(before)} to ${formatDefault(after)}.`,
      `Restore the default ${formatDefault(before)}: a reader assumes the default when the field is absent, so old and new readers would read different values. ${NEW_FIELD}`,
      current.fullName,
    ),
  );
}

function checkOneof(previous: FieldSchema, current: FieldSchema, out: Violation[]): void {
  if (previous.oneof === current.oneof) return;
  const where = (oneof: string | undefined) => (oneof === undefined ? "outside" : "inside");
  const message =
    previous.oneof !== undefined && current.oneof !== undefined
      ? `${describeField(current)} moved from oneof "${previous.oneof}" to oneof "${current.oneof}".`
      : `${describeField(current)} moved from ${where(previous.oneof)} to ${where(current.oneof)} a oneof.`;
  const back = previous.oneof === undefined ? "out of the oneof" : `into oneof "${previous.oneof}"`;
  out.push(
    violationAt(
      WireRule.FieldSameOneof,
      current.file,
      current.at,
      message,
      `Move the field back ${back}: setting one member of a oneof clears the others, so old and new readers would keep different fields. ${NEW_FIELD}`,
      current.fullName,
    ),
  );
}
