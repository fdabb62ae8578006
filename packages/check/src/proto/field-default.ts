import type { DefaultLiteral } from "./proto-source-index.js";
import { parseIntegerLiteral } from "./parse-integer-literal.js";
import type { EnumShape, FieldDefault, FieldKind } from "./proto-schema.js";
import { ProtoSyntaxError } from "./tokenize-proto.js";

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
