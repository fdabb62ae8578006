import type { DefaultLiteral } from "./index-proto-source.js";
import { parseIntegerLiteral } from "./parse-integer-literal.js";
import type { EnumShape, FieldKind } from "./proto-schema.js";
import { ProtoSyntaxError } from "./tokenize-proto.js";

/**
 * The value a reader assumes for an absent singular scalar or enum field: the
 * explicit `default` option (proto2, editions), else the zero of its type (for
 * an enum, its first value). 64-bit integers stay exact.
 */
export type FieldDefault =
  | { readonly kind: "integer"; readonly value: bigint }
  | { readonly kind: "float"; readonly value: number; readonly bits: 32 | 64 }
  | { readonly kind: "bool"; readonly value: boolean }
  | { readonly kind: "enum"; readonly value: number; readonly label: string }
  | { readonly kind: "string" | "bytes"; readonly value: Uint8Array };

const INTEGER_KINDS = new Set<FieldKind>(["int32", "int64", "uint32", "uint64", "sint32", "sint64", "fixed32", "fixed64", "sfixed32", "sfixed64"]);

/**
 * The default of a field of `kind` (with `enumType` for an enum field), from
 * its `default` literal when it has one. Throws {@link ProtoSyntaxError} when
 * the literal does not fit the type.
 */
export function fieldDefault(kind: FieldKind, literal: DefaultLiteral | undefined, enumType?: EnumShape): FieldDefault | undefined {
  if (kind === "message" || kind === "group") return undefined;
  if (kind === "enum") return enumDefault(literal, enumType);
  if (literal === undefined) return zeroDefault(kind);
  const { token, negative } = literal;
  const invalid = () => new ProtoSyntaxError(`invalid default value ${negative ? "-" : ""}${token.text} for a field of type ${kind}`, token.line);
  if (kind === "string" || kind === "bytes") {
    if (token.kind !== "string" || negative) throw invalid();
    return { kind, value: token.bytes ?? new Uint8Array() };
  }
  if (kind === "bool") {
    const text = token.text.toLowerCase();
    if (token.kind !== "ident" || negative || (text !== "true" && text !== "false")) throw invalid();
    return { kind, value: text === "true" };
  }
  if (INTEGER_KINDS.has(kind)) {
    if (token.kind !== "number") throw invalid();
    try {
      const value = parseIntegerLiteral(token.text);
      return { kind: "integer", value: negative ? -value : value };
    } catch {
      throw invalid();
    }
  }
  const value = floatLiteral(token.kind, token.text);
  if (value === undefined) throw invalid();
  const signed = negative ? -value : value;
  return kind === "float" ? { kind: "float", value: Math.fround(signed), bits: 32 } : { kind: "float", value: signed, bits: 64 };
}

function zeroDefault(kind: FieldKind): FieldDefault {
  if (kind === "string" || kind === "bytes") return { kind, value: new Uint8Array() };
  if (kind === "bool") return { kind, value: false };
  if (kind === "float" || kind === "double") return { kind: "float", value: 0, bits: kind === "float" ? 32 : 64 };
  return { kind: "integer", value: 0n };
}

function enumDefault(literal: DefaultLiteral | undefined, enumType: EnumShape | undefined): FieldDefault | undefined {
  if (enumType === undefined) return undefined;
  // Without an explicit default, a reader assumes the first value declared.
  const [firstName, firstNumber] = enumType.values.entries().next().value ?? ["", 0];
  const name = literal?.token.text ?? firstName;
  const number = literal === undefined ? firstNumber : enumType.values.get(name);
  if (number === undefined || literal?.negative === true) {
    throw new ProtoSyntaxError(`enum ${enumType.name} has no value ${literal?.token.text ?? ""} for a default`, literal?.token.line ?? 1);
  }
  return { kind: "enum", value: number, label: `${enumType.name}.${name}` };
}

function floatLiteral(kind: string, text: string): number | undefined {
  if (kind === "ident") {
    const word = text.toLowerCase();
    return word === "inf" ? Infinity : word === "nan" ? NaN : undefined;
  }
  if (kind !== "number") return undefined;
  return /^0[xX]|^0[0-7]+$/.test(text) ? Number(parseIntegerLiteral(text)) : Number(text);
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

/**
 * True when two defaults denote the same value, across types as buf compares
 * them: numbers by value (bool as 0 or 1, an enum by its number), text and
 * bytes by their bytes; a number never equals text.
 */
export function sameDefault(a: FieldDefault, b: FieldDefault): boolean {
  const x = numericValue(a);
  const y = numericValue(b);
  if (x === undefined || y === undefined) {
    return x === undefined && y === undefined && sameBytes(a.value as Uint8Array, b.value as Uint8Array);
  }
  if (typeof x === "number" && typeof y === "number") return x === y || (Number.isNaN(x) && Number.isNaN(y));
  if (typeof x === "bigint" && typeof y === "bigint") return x === y;
  const [float, integer] = typeof x === "number" ? [x, y as bigint] : [y as number, x];
  return Number.isInteger(float) && BigInt(float) === integer;
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

/** Prints a default as buf does (Go's `%v`): `5`, `1e+06`, `"text"`, `[0x61,0x1]`, `Enum.VALUE`. */
export function formatDefault(value: FieldDefault): string {
  switch (value.kind) {
    case "integer":
      return value.value.toString();
    case "float":
      return formatGoFloat(value.value, value.bits);
    case "bool":
      return String(value.value);
    case "enum":
      return value.label;
    case "string":
      return quoteGo(new TextDecoder().decode(value.value));
    case "bytes":
      return `[${Array.from(value.value, (byte) => `0x${byte.toString(16).toUpperCase()}`).join(",")}]`;
  }
}

// Go's strconv.FormatFloat(value, 'g', -1, bits): the shortest digits that
// round-trip, in exponent form when the exponent is < -4 or >= 6.
function formatGoFloat(value: number, bits: 32 | 64): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  const [mantissa = "0", exponentText = "0"] = shortestExponential(Math.abs(value), bits).split("e");
  const digits = mantissa.replace(".", "");
  const exponent = Number(exponentText);
  const sign = value < 0 ? "-" : "";
  if (exponent < -4 || exponent >= 6) {
    const fraction = digits.length > 1 ? `.${digits.slice(1)}` : "";
    return `${sign}${digits[0]}${fraction}e${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  const point = exponent + 1;
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${"0".repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

function shortestExponential(value: number, bits: 32 | 64): string {
  if (bits === 64) return value.toExponential();
  for (let precision = 1; precision < 17; precision += 1) {
    const candidate = Number(value.toPrecision(precision));
    if (Math.fround(candidate) === value) return candidate.toExponential();
  }
  return value.toExponential();
}

const GO_ESCAPES: Readonly<Record<string, string>> = {
  "\x07": "\\a",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\v": "\\v",
  '"': '\\"',
  "\\": "\\\\",
};

// Go's strconv.Quote, for the characters a default can hold.
function quoteGo(text: string): string {
  let quoted = '"';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    quoted += GO_ESCAPES[char] ?? (code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, "0")}` : char);
  }
  return `${quoted}"`;
}
