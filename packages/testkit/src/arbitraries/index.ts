export { comparableValue, versionArbitrary } from "./version-arbitrary.js";
export { comparableMessage, protobufArbitrary, scalarArbitrary } from "./protobuf-arbitrary.js";
export { zodArbitrary } from "./zod-arbitrary.js";
export { TestkitErrorCode, UnsupportedSchemaError } from "../testkit-errors.js";

export type { VersionArbitraryOptions } from "./version-arbitrary.js";
export type { MessageValue, ProtobufArbitraryOptions } from "./protobuf-arbitrary.js";
export type { ZodArbitraryOptions } from "./zod-arbitrary.js";
