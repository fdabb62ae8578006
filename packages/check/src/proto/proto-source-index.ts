import type { ProtoToken, SourcePosition } from "./tokenize-proto.js";

/** A `default = ...` field option as written: the sign and the literal token. */
export interface DefaultLiteral {
  readonly negative: boolean;
  /** The literal; consecutive string literals are joined into one token. */
  readonly token: ProtoToken;
}

/** Where a field is declared, and its `default` option if it has one. */
export interface FieldSource {
  /** Start of the declaration (its label, or its type when it has none). */
  readonly at: SourcePosition;
  /** Start of the type (`map` for a map, `group` for a group). */
  readonly typeAt: SourcePosition;
  /** Start of the `default` option. */
  readonly defaultAt?: SourcePosition;
  readonly defaultLiteral?: DefaultLiteral;
}

/** Where a message is declared, and its fields by number (oneof members included). */
export interface MessageSource {
  readonly at: SourcePosition;
  readonly fields: Map<number, FieldSource>;
}

/** Where an rpc and its parts are declared. */
export interface MethodSource {
  readonly at: SourcePosition;
  readonly requestAt: SourcePosition;
  readonly responseAt: SourcePosition;
  /** Start of the `option idempotency_level = ...;` statement. */
  readonly idempotencyAt?: SourcePosition;
}

/** Where a service and its rpcs are declared. */
export interface ServiceSource {
  readonly at: SourcePosition;
  readonly methods: Map<string, MethodSource>;
}

/**
 * The declarations of one .proto file by fully-qualified name (without a
 * leading dot), with their positions. protobufjs keeps no positions, so this
 * index supplies them; map entries and groups get the synthetic messages protoc
 * gives them.
 */
export interface ProtoSourceIndex {
  /** `proto2`, `proto3` or `editions`. */
  syntax: "proto2" | "proto3" | "editions";
  packageName: string;
  packageAt?: SourcePosition;
  readonly imports: { readonly path: string; readonly at: SourcePosition }[];
  readonly messages: Map<string, MessageSource>;
  readonly enums: Map<string, SourcePosition>;
  readonly services: Map<string, ServiceSource>;
  /** Extension fields by their own full name (scope of the `extend` block + name). */
  readonly extensions: Map<string, FieldSource>;
}
