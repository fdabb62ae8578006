import type { SourcePosition } from "./tokenize-proto.js";

/**
 * The parts of a set of .proto files that the wire rules compare, flattened
 * and keyed the way buf pairs them: files by path, messages, enums and
 * services by fully-qualified name (no leading dot), fields by number,
 * extensions by extended message and number. Only files of the compared tree
 * appear; imported well-known types are resolved but not compared.
 */
export interface ProtoSchema {
  readonly files: ReadonlyMap<string, FileSchema>;
  readonly messages: ReadonlyMap<string, MessageSchema>;
  readonly enums: ReadonlyMap<string, EnumSchema>;
  readonly services: ReadonlyMap<string, ServiceSchema>;
  /** Keyed by `${extendee full name}:${number}`. */
  readonly extensions: ReadonlyMap<string, FieldSchema>;
}

/** One .proto file. */
export interface FileSchema {
  readonly path: string;
  /** The package, `""` when the file declares none. */
  readonly packageName: string;
  readonly packageAt?: SourcePosition | undefined;
}

/** An inclusive range of field or enum numbers. */
export type NumberRange = readonly [start: number, end: number];

/** Reserved numbers and names of a message or an enum. */
export interface Reservations {
  readonly reservedRanges: readonly NumberRange[];
  readonly reservedNames: readonly string[];
}

/** A message, a group's message or a map entry. */
export interface MessageSchema extends Reservations {
  readonly fullName: string;
  /** Short name, as buf prints it. */
  readonly name: string;
  readonly file: string;
  readonly at: SourcePosition;
  readonly fields: ReadonlyMap<number, FieldSchema>;
}

/** The wire-relevant type of a field: a scalar type, or a kind of named type. */
export type FieldKind =
  | "double"
  | "float"
  | "int64"
  | "uint64"
  | "int32"
  | "fixed64"
  | "fixed32"
  | "bool"
  | "string"
  | "bytes"
  | "uint32"
  | "sfixed32"
  | "sfixed64"
  | "sint32"
  | "sint64"
  | "enum"
  | "message"
  | "group";

/** How many values a field holds and whether absence is visible, in buf's words. */
export type FieldCardinality = "optional with implicit presence" | "optional with explicit presence" | "required" | "repeated";

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

/** An enum as a field type sees it: its short name and its values. */
export interface EnumShape {
  readonly name: string;
  /** Value name to number, aliases included. */
  readonly values: ReadonlyMap<string, number>;
}

/** A field of a message, or an extension. */
export interface FieldSchema {
  /** Full name: `shop.Order.total`; for an extension, where it is declared (`shop.weight`). */
  readonly fullName: string;
  readonly number: number;
  /** The field name; for an extension its full name, as buf prints it. */
  readonly name: string;
  /** True for an extension field. */
  readonly extension: boolean;
  /** The short name of the message, or for an extension the full name of the extended message. */
  readonly owner: string;
  /** Encoding kind: delimited (editions) message fields are `group`, as in descriptors. */
  readonly kind: FieldKind;
  /** How buf names the kind in messages (`message (delimited encoding)` for editions groups). */
  readonly kindLabel: string;
  /** Full name of the message or enum type. */
  readonly typeName?: string | undefined;
  readonly enumType?: EnumShape | undefined;
  readonly cardinality: FieldCardinality;
  /** The oneof holding the field; synthetic oneofs of proto3 `optional` do not count. */
  readonly oneof?: string | undefined;
  /** The default a reader assumes when the field is absent; none for repeated, message and group fields. */
  readonly defaultValue?: FieldDefault | undefined;
  readonly file: string;
  readonly at: SourcePosition;
  readonly typeAt: SourcePosition;
  readonly defaultAt?: SourcePosition | undefined;
}

/** An enum. */
export interface EnumSchema extends Reservations {
  readonly fullName: string;
  readonly name: string;
  readonly file: string;
  readonly at: SourcePosition;
  /** Every number with a value. */
  readonly numbers: ReadonlySet<number>;
}

/** A service. */
export interface ServiceSchema {
  readonly fullName: string;
  readonly name: string;
  readonly file: string;
  readonly methods: ReadonlyMap<string, MethodSchema>;
}

/** An rpc. */
export interface MethodSchema {
  readonly name: string;
  readonly requestType: string;
  readonly responseType: string;
  readonly clientStreaming: boolean;
  readonly serverStreaming: boolean;
  /** `IDEMPOTENCY_UNKNOWN` when the option is not set. */
  readonly idempotencyLevel: string;
  readonly at: SourcePosition;
  readonly requestAt: SourcePosition;
  readonly responseAt: SourcePosition;
  readonly idempotencyAt?: SourcePosition | undefined;
}
