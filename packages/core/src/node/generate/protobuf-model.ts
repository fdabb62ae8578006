import protobuf from "protobufjs";

/** What a protobuf field holds, as far as TypeScript is concerned. */
export type FieldKind = "string" | "number" | "boolean" | "long" | "bytes" | "enum" | "message";

/**
 * One field of a message as the protobufjs codec treats it: decoded values
 * are protobufjs messages whose absent fields read their prototype's
 * default (`null` for messages and proto3 `optional` scalars, a frozen empty
 * array for bytes), whose repeated and map fields are always set, and whose
 * 64-bit integers are `Long`s; encoding takes any of them absent.
 */
export interface FieldModel {
  /** The property name (protobufjs camel-cases the .proto name). */
  readonly name: string;
  readonly kind: FieldKind;
  /** The full name of the message or enum type, for those kinds. */
  readonly typeName?: string;
  readonly cardinality: "single" | "repeated" | "map";
  /** What a decoded single field (or map value) holds when the frame does not carry it. */
  readonly absent: "default" | "null" | "empty-array";
  /** A proto2 `required` field: always decoded, and encoding needs it. */
  readonly required: boolean;
  readonly comment?: string;
}

/** A message type and the fields it holds. */
export interface MessageModel {
  readonly kind: "message";
  readonly fullName: string;
  /** The package part of the full name (`shop.orders.v1` of `shop.orders.v1.OrderPlaced.LineItem`). */
  readonly packageName: string;
  readonly fields: readonly FieldModel[];
  /** Its oneofs (proto3 `optional` fields make one each): decoded messages say which field is set. */
  readonly oneofs: readonly { readonly name: string; readonly fields: readonly string[] }[];
  readonly comment?: string;
}

/** An enum: open enums keep any number on decode, closed ones (proto2) only their values. */
export interface EnumModel {
  readonly kind: "enum";
  readonly fullName: string;
  readonly packageName: string;
  readonly values: readonly (readonly [name: string, value: number])[];
  readonly closed: boolean;
  readonly comment?: string;
}

/** A message or enum, by full name without the leading dot. */
export type TypeModel = MessageModel | EnumModel;

/**
 * Describes the messages named (full names) and every message and enum they
 * reach, in a stable order: each type first reached depth first. The root
 * must be resolved (`resolveAll`).
 */
export function describeMessages(root: protobuf.Root, messages: readonly string[]): TypeModel[] {
  const seen = new Map<string, TypeModel>();
  const visit = (type: protobuf.Type | protobuf.Enum): void => {
    const fullName = fullNameOf(type);
    if (seen.has(fullName)) return;
    if (type instanceof protobuf.Enum) {
      seen.set(fullName, describeEnum(type));
      return;
    }
    const model = describeMessage(type);
    seen.set(fullName, model);
    for (const field of type.fieldsArray) {
      const resolved = field.resolve().resolvedType;
      if (resolved !== null) visit(resolved);
    }
  };
  for (const name of messages) visit(root.lookupType(name.replace(/^\.?/, ".")));
  return [...seen.values()];
}

/** The full name of a reflected type, without the leading dot. */
export function fullNameOf(type: protobuf.ReflectionObject): string {
  return type.fullName.replace(/^\./, "");
}

/** The package a type is declared in: its full name up to the outermost enclosing message. */
function packageOf(type: protobuf.ReflectionObject): string {
  let outer = type;
  while (outer.parent instanceof protobuf.Type) outer = outer.parent;
  return outer.parent === null ? "" : fullNameOf(outer.parent);
}

function describeMessage(type: protobuf.Type): MessageModel {
  return {
    kind: "message",
    fullName: fullNameOf(type),
    packageName: packageOf(type),
    fields: type.fieldsArray.map(describeField),
    oneofs: type.oneofsArray.map((oneof) => ({ name: oneof.name, fields: [...oneof.oneof] })),
    ...commentOf(type),
  };
}

function describeField(field: protobuf.Field): FieldModel {
  field.resolve();
  const resolved = field.resolvedType;
  const kind: FieldKind =
    resolved instanceof protobuf.Type
      ? "message"
      : resolved instanceof protobuf.Enum
        ? "enum"
        : field.type === "string"
          ? "string"
          : field.type === "bool"
            ? "boolean"
            : field.type === "bytes"
              ? "bytes"
              : protobuf.types.long[field.type as keyof typeof protobuf.types.long] !== undefined
                ? "long"
                : "number";
  const cardinality = field instanceof protobuf.MapField || field.map ? "map" : field.repeated ? "repeated" : "single";
  return {
    name: field.name,
    kind,
    ...(resolved === null ? {} : { typeName: fullNameOf(resolved) }),
    cardinality,
    absent: absentValue(field, kind, cardinality),
    required: field.required,
    ...commentOf(field),
  };
}

/** What the decoder leaves in a field it did not read, from the same reflection the codec compiles. */
function absentValue(field: protobuf.Field, kind: FieldKind, cardinality: FieldModel["cardinality"]): FieldModel["absent"] {
  if (cardinality === "map") return kind === "bytes" ? "empty-array" : "default";
  if (cardinality === "repeated" || field.required) return "default";
  // The prototype's default: null for messages and proto3 `optional` scalars, util.emptyArray for bytes.
  const fallback: unknown = field.defaultValue;
  if (fallback === null || fallback === undefined) return "null";
  return Array.isArray(fallback) ? "empty-array" : "default";
}

function describeEnum(type: protobuf.Enum): EnumModel {
  // protobufjs keeps the resolved edition features on `_features`; its decoder reads the same field.
  const features = (type as unknown as { readonly _features?: { readonly enum_type?: string } })._features;
  return {
    kind: "enum",
    fullName: fullNameOf(type),
    packageName: packageOf(type),
    values: Object.entries(type.values),
    closed: features?.enum_type === "CLOSED",
    ...commentOf(type),
  };
}

function commentOf(object: { readonly comment: string | null }): { comment?: string } {
  const comment = object.comment?.trim();
  return comment === undefined || comment === "" ? {} : { comment };
}
