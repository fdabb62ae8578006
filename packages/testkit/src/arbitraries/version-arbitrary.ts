import { UnknownVersionError, type MessageType, type VersionDefinition } from "@twostep/core";
import type fc from "fast-check";
import protobuf from "protobufjs";
import { z } from "zod";
import { UnsupportedSchemaError } from "../testkit-errors.js";
import { comparableMessage, protobufArbitrary, type ProtobufArbitraryOptions } from "./protobuf-arbitrary.js";
import { zodArbitrary, type ZodArbitraryOptions } from "./zod-arbitrary.js";

/** Options of {@link versionArbitrary}: those of both generators. */
export interface VersionArbitraryOptions extends ProtobufArbitraryOptions, Omit<ZodArbitraryOptions, "subject"> {}

/**
 * Generates wire values of one version of a message type, in that version's
 * shape, from its codec's schema: the protobufjs type's reflection
 * ({@link protobufArbitrary}) or the zod schema ({@link zodArbitrary}).
 * Protobuf values come as the codec decodes them (protobufjs messages, 64-bit
 * integers as `Long`), since that is what migrations are given. Keys
 * that a loose zod object gains never take the name of a field of another
 * version of the type, since migrations may write over those. Throws
 * `UnknownVersionError` for a version the type does not declare and
 * {@link UnsupportedSchemaError} for a schema it cannot generate from.
 */
export function versionArbitrary(type: MessageType, version: number, options: VersionArbitraryOptions = {}): fc.Arbitrary<unknown> {
  const { schema } = definitionOf(type, version).codec;
  // Through the codec's own types, as a decoded wire value: what `upgrade` meets and what the generated types describe.
  if (isProtobufType(schema)) return protobufArbitrary(schema, options).map((value) => schema.decode(schema.encode(value).finish()) as unknown);
  if (isZodSchema(schema)) {
    const reservedKeys = [...fieldNames(type), ...(options.reservedKeys ?? [])];
    return zodArbitrary(schema, { ...options, reservedKeys, subject: `${type.name} v${version}` });
  }
  throw new UnsupportedSchemaError(`${type.name} v${version}`, "$", "a codec whose schema is neither a protobufjs type nor a zod schema");
}

/**
 * `value`, a wire value of `version`, in a normal form where two values with
 * the same meaning on the wire are deeply equal: for protobuf
 * {@link comparableMessage} (64-bit integers and bytes as strings, unset
 * fields as their defaults), for JSON what the schema outputs, through a
 * JSON round trip. A value the schema refuses is compared as it is.
 */
export function comparableValue(type: MessageType, version: number, value: unknown): unknown {
  const { schema } = definitionOf(type, version).codec;
  if (isProtobufType(schema)) return comparableMessage(schema, value);
  const parsed = isZodSchema(schema) ? z.safeParse(schema, value) : undefined;
  const output: unknown = parsed?.success === true ? parsed.data : value;
  return output === undefined ? undefined : (JSON.parse(JSON.stringify(output)) as unknown);
}

function definitionOf(type: MessageType, version: number): VersionDefinition {
  const definition = type.version(version);
  if (definition === undefined) throw new UnknownVersionError(type.name, version, type.reads);
  return definition;
}

function isProtobufType(schema: unknown): schema is protobuf.Type {
  return schema instanceof protobuf.Type;
}

function isZodSchema(schema: unknown): schema is z.core.$ZodType {
  return typeof schema === "object" && schema !== null && "_zod" in schema;
}

/** The top-level field names of every JSON version of `type`. */
function fieldNames(type: MessageType): string[] {
  const names = new Set<string>();
  for (let version = type.reads.min; version <= type.reads.max; version++) {
    const schema = type.version(version)?.codec.schema;
    if (!isZodSchema(schema)) continue;
    const shape = (schema._zod.def as { shape?: Record<string, unknown> }).shape;
    for (const name of Object.keys(shape ?? {})) names.add(name);
  }
  return [...names];
}
