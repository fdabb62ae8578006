/**
 * How one version of a message type turns into bytes and back. Codecs throw
 * whatever their library throws; the message type wraps it into a typed
 * error that names the type and version. `Value` is what decoding gives,
 * `Input` what encoding accepts (a zod schema's input, a protobuf message's
 * fields in every form protobufjs writes).
 */
export interface Codec<Value = unknown, Input = Value> {
  /** `protobuf` for protobufjs types, `json` for zod-validated JSON. */
  readonly kind: "protobuf" | "json";
  /** What the payload is: the protobuf message's full name, or `json`. */
  readonly schemaName: string;
  /**
   * The schema itself, for tools that reflect on it (the test kit derives
   * value generators from it): a protobufjs `Type` or a zod schema.
   */
  readonly schema: unknown;
  /** Returns `head` followed by the payload of `value`, in one buffer. */
  encode(value: Input, head: Uint8Array): Uint8Array;
  /** Decodes the payload that fills `frame` from `offset` to its end. */
  decode(frame: Uint8Array, offset: number): Value;
}
