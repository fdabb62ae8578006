/**
 * The rules of buf's WIRE breaking-change category, by buf's own ids, so that
 * people who know `buf breaking` know them. Each keeps the bytes that one side
 * writes readable by the other; names (of fields, enum values, messages) are
 * free to change, since they never reach the wire.
 */
export const WireRule = {
  /** An enum value number disappeared without being reserved. */
  EnumValueNoDeleteUnlessNumberReserved: "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED",
  /** A field number disappeared without being reserved. */
  FieldNoDeleteUnlessNumberReserved: "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED",
  /** A field's default value (explicit, or implied by its type) changed. */
  FieldSameDefault: "FIELD_SAME_DEFAULT",
  /** A field moved into, out of, or between oneofs. */
  FieldSameOneof: "FIELD_SAME_ONEOF",
  /** A field changed between singular, repeated and required. */
  FieldWireCompatibleCardinality: "FIELD_WIRE_COMPATIBLE_CARDINALITY",
  /** A field changed to a type with another wire encoding. */
  FieldWireCompatibleType: "FIELD_WIRE_COMPATIBLE_TYPE",
  /** A file changed its package, which renames every type in it. */
  FileSamePackage: "FILE_SAME_PACKAGE",
  /** A required field was added to or removed from a message. */
  MessageSameRequiredFields: "MESSAGE_SAME_REQUIRED_FIELDS",
  /** A reserved number range or name was removed from an enum. */
  ReservedEnumNoDelete: "RESERVED_ENUM_NO_DELETE",
  /** A reserved number range or name was removed from a message. */
  ReservedMessageNoDelete: "RESERVED_MESSAGE_NO_DELETE",
  /** An rpc changed whether its client streams. */
  RpcSameClientStreaming: "RPC_SAME_CLIENT_STREAMING",
  /** An rpc changed whether its server streams. */
  RpcSameServerStreaming: "RPC_SAME_SERVER_STREAMING",
  /** An rpc changed its request message type. */
  RpcSameRequestType: "RPC_SAME_REQUEST_TYPE",
  /** An rpc changed its response message type. */
  RpcSameResponseType: "RPC_SAME_RESPONSE_TYPE",
  /** An rpc changed its `idempotency_level` option. */
  RpcSameIdempotencyLevel: "RPC_SAME_IDEMPOTENCY_LEVEL",
} as const;

/** One of the rule ids in {@link WireRule}. */
export type WireRule = (typeof WireRule)[keyof typeof WireRule];

/** Every rule id of {@link WireRule}, sorted. */
export const WIRE_RULES: readonly WireRule[] = Object.freeze(Object.values(WireRule).sort());
