import type { FieldDefault } from "../proto/index.js";

/**
 * True when two defaults denote the same value, across types as buf compares
 * them: numbers by value (bool as 0 or 1, an enum by its number), text and
 * bytes by their bytes; a number never equals text. A float and a double
 * compare at float precision: the double rounded to the nearest float.
 */
export function sameDefault(a: FieldDefault, b: FieldDefault): boolean {
  if (a.kind === "float" && b.kind === "float" && a.bits !== b.bits) return sameNumber(Math.fround(a.value), Math.fround(b.value));
  const x = numericValue(a);
  const y = numericValue(b);
  if (x === undefined || y === undefined) {
    return x === undefined && y === undefined && sameBytes(a.value as Uint8Array, b.value as Uint8Array);
  }
  if (typeof x === "number" && typeof y === "number") return sameNumber(x, y);
  if (typeof x === "bigint" && typeof y === "bigint") return x === y;
  const [float, integer] = typeof x === "number" ? [x, y as bigint] : [y as number, x];
  return Number.isInteger(float) && BigInt(float) === integer;
}

/** True when the default is the zero of its type (0, false, empty, or enum number 0). */
export function isZeroDefault(value: FieldDefault): boolean {
  switch (value.kind) {
    case "integer":
      return value.value === 0n;
    case "bool":
      return !value.value;
    case "string":
    case "bytes":
      return value.value.length === 0;
    default:
      return value.value === 0;
  }
}

function sameNumber(x: number, y: number): boolean {
  return x === y || (Number.isNaN(x) && Number.isNaN(y));
}

function numericValue(value: FieldDefault): bigint | number | undefined {
  switch (value.kind) {
    case "integer":
    case "float":
      return value.value;
    case "enum":
      return BigInt(value.value);
    case "bool":
      return value.value ? 1n : 0n;
    default:
      return undefined;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}
