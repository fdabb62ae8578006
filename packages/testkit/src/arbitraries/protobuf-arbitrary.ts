import fc from "fast-check";
import Long from "long";
import protobuf from "protobufjs";
import { UnsupportedSchemaError } from "../testkit-errors.js";

/** Options of {@link protobufArbitrary}. */
export interface ProtobufArbitraryOptions {
  /** How many levels of nested messages to generate; deeper message fields stay unset. Defaults to 3. */
  readonly maxDepth?: number;
  /** Most elements of a repeated field, entries of a map, and characters or bytes of a scalar. Defaults to 5. */
  readonly maxLength?: number;
  /**
   * How 64-bit integers are given: as `Long`, as a `number` (safe integers
   * only, `Long` otherwise), or either at random. Defaults to `"mixed"`.
   */
  readonly longs?: "long" | "number" | "mixed";
}

/** A message as plain data: field names (camelCase, as protobufjs loads them) to values. */
export type MessageValue = Record<string, unknown>;

/**
 * Generates values of a protobufjs message type by walking its reflection:
 * every scalar type (64-bit integers as `Long` or `number`), enums (declared
 * values), nested messages, repeated fields, maps and oneofs (at most one
 * member set, proto3 `optional` included). Fields other than `required` ones
 * are set or left out at random, and a set scalar may hold its default value.
 * Strings are valid Unicode, so every value survives a round trip through the
 * wire; compare through {@link comparableMessage}.
 */
export function protobufArbitrary(type: protobuf.Type, options: ProtobufArbitraryOptions = {}): fc.Arbitrary<MessageValue> {
  const settings = { maxDepth: options.maxDepth ?? 3, maxLength: options.maxLength ?? 5, longs: options.longs ?? "mixed" };
  const cache = new Map<string, fc.Arbitrary<MessageValue>>();
  const message = (current: protobuf.Type, depth: number): fc.Arbitrary<MessageValue> => {
    const key = `${current.fullName}@${depth}`;
    let arbitrary = cache.get(key);
    if (arbitrary === undefined) {
      arbitrary = messageArbitrary(current, depth, settings, message);
      cache.set(key, arbitrary);
    }
    return arbitrary;
  };
  type.resolveAll();
  return message(type, 0);
}

/**
 * The normal form in which two values of `type` compare equal exactly when
 * they have the same wire meaning: 64-bit integers and bytes as strings,
 * unset implicit-presence fields as their defaults (an explicit default is
 * not written on the wire, so it reads back as unset).
 */
export function comparableMessage(type: protobuf.Type, value: unknown): MessageValue {
  return type.toObject(value as protobuf.Message, { longs: String, bytes: String, defaults: true });
}

/** Generates a value of one protobuf scalar type, such as `int64` or `bytes`. */
export function scalarArbitrary(scalar: string, options: Pick<ProtobufArbitraryOptions, "longs" | "maxLength"> = {}): fc.Arbitrary<unknown> {
  const maxLength = options.maxLength ?? 5;
  switch (scalar) {
    case "double":
      return fc.double();
    case "float":
      return fc.float();
    case "int32":
    case "sint32":
    case "sfixed32":
      return fc.integer();
    case "uint32":
    case "fixed32":
      return fc.integer({ min: 0, max: 0xffff_ffff });
    case "int64":
    case "sint64":
    case "sfixed64":
      return longArbitrary(false, options.longs ?? "mixed");
    case "uint64":
    case "fixed64":
      return longArbitrary(true, options.longs ?? "mixed");
    case "bool":
      return fc.boolean();
    case "string":
      return fc.string({ unit: "binary", maxLength });
    case "bytes":
      return fc.uint8Array({ maxLength });
    default:
      throw new UnsupportedSchemaError("protobuf scalar", "$", `scalar type ${JSON.stringify(scalar)}`);
  }
}

type Settings = Required<ProtobufArbitraryOptions>;
type MessageBuilder = (type: protobuf.Type, depth: number) => fc.Arbitrary<MessageValue>;

function messageArbitrary(type: protobuf.Type, depth: number, settings: Settings, message: MessageBuilder): fc.Arbitrary<MessageValue> {
  // Past the depth limit, message fields (single, repeated or map values) stay
  // unset unless required, so that recursive types end.
  const usable = (field: protobuf.Field) => field.required || !(field.resolve().resolvedType instanceof protobuf.Type) || depth < settings.maxDepth;
  const plain: Record<string, fc.Arbitrary<unknown>> = {};
  const required: string[] = [];
  for (const field of type.fieldsArray) {
    if (field.partOf !== null || !usable(field)) continue;
    plain[field.name] = fieldArbitrary(field, depth, settings, message);
    if (field.required) required.push(field.name);
  }
  const oneofs = type.oneofsArray.map((oneof) => {
    const members = oneof.fieldsArray.filter(usable);
    return fc.oneof(fc.constant({}), ...members.map((field) => fieldArbitrary(field, depth, settings, message).map((value) => ({ [field.name]: value }))));
  });
  return fc.tuple(fc.record(plain, { requiredKeys: required }), ...oneofs).map(([fields, ...chosen]) => Object.assign({}, fields, ...chosen) as MessageValue);
}

function fieldArbitrary(field: protobuf.Field, depth: number, settings: Settings, message: MessageBuilder): fc.Arbitrary<unknown> {
  const single = singleArbitrary(field, depth, settings, message);
  if (field.map) {
    // Map keys are strings in protobufjs: decimal for integers (64-bit ones too), "true" or "false" for bools.
    const key = scalarArbitrary((field as unknown as protobuf.MapField).keyType, settings).map((scalar) => String(scalar));
    // Object.fromEntries defines own properties, so even a "__proto__" key stays a key.
    return fc.array(fc.tuple(key, single), { maxLength: settings.maxLength }).map((entries) => Object.fromEntries(entries));
  }
  return field.repeated ? fc.array(single, { maxLength: settings.maxLength }) : single;
}

function singleArbitrary(field: protobuf.Field, depth: number, settings: Settings, message: MessageBuilder): fc.Arbitrary<unknown> {
  const resolved = field.resolve().resolvedType;
  if (resolved instanceof protobuf.Enum) return fc.constantFrom(...Object.values(resolved.values));
  if (resolved instanceof protobuf.Type) return message(resolved, depth + 1);
  return scalarArbitrary(field.type, settings);
}

const INT64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };
const UINT64 = { min: 0n, max: 2n ** 64n - 1n };

function longArbitrary(unsigned: boolean, longs: Settings["longs"]): fc.Arbitrary<Long | number> {
  const asNumber = longs === "number" ? fc.constant(true) : longs === "long" ? fc.constant(false) : fc.boolean();
  return fc
    .tuple(fc.bigInt(unsigned ? UINT64 : INT64), asNumber)
    .map(([value, preferNumber]) =>
      preferNumber && value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(value)
        : Long.fromString(value.toString(), unsigned),
    );
}
