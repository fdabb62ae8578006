export { MessageType } from "./message-type.js";
export type { MessageTypeDefinition, MessageTypeHead, Migrations, MigrationsAt, VersionDefinition, VersionRange } from "./message-type.js";
export { defineMessageType } from "./define-message-type.js";
export type {
  InputOfCodec,
  LowestVersionDefinition,
  MessageTypeOfCodecs,
  NextVersionDefinition,
  ShapeOfCodec,
  TypeShapeOfCodecs,
  ValueOfCodec,
  VersionsOfCodecs,
} from "./define-message-type.js";
export { defineProtocol, Protocol } from "./protocol.js";
export type {
  DecodedFrame,
  DecodedFrameOf,
  LegacyReading,
  MessageTypeOf,
  ProtocolDefinition,
  ProtocolFrame,
  ProtocolInput,
  ProtocolShapeOf,
  ProtocolShapeOfTypes,
  ProtocolTypeName,
  UntypedKey,
} from "./protocol.js";
export type {
  LowestVersion,
  NewestInput,
  NewestValue,
  NewestVersion,
  NextVersion,
  PreviousVersion,
  ProtobufVersion,
  ProtocolShape,
  TypeNameOf,
  TypeShape,
  VersionOf,
  VersionShape,
  WireValue,
  ZodVersion,
} from "./protocol-shape.js";
export type { Codec } from "./codec.js";
export { protobufCodec } from "./protobuf-codec.js";
/** The 64-bit integers of decoded protobuf values, from the `long` package that protobufjs uses. */
export type { default as Long } from "long";
export { zodCodec } from "./zod-codec.js";
export { ENVELOPE_HEADER, decodeEnvelopeHead, encodeEnvelopeHead, isEnveloped } from "./envelope.js";
export type { EnvelopeHead } from "./envelope.js";
export { MAX_VARINT, readVarint, varintSize, writeVarint } from "./varint.js";
export { manifestSchema, parseManifest } from "./manifest.js";
export type { Manifest, ManifestType } from "./manifest.js";
export { protocolFromManifest } from "./protocol-from-manifest.js";
export { formatZodIssues } from "./format-zod-issues.js";
export type { ManifestSources, ProtocolBindings, TypeBindings, VersionBinding, VersionBindingAt } from "./protocol-from-manifest.js";
export {
  CannotWriteVersionError,
  CoreErrorCode,
  CorruptFrameError,
  InvalidDefinitionError,
  InvalidManifestError,
  InvalidPayloadError,
  MigrationFailedError,
  TwostepError,
  UnknownTypeError,
  UnknownVersionError,
  isTwostepError,
} from "./errors.js";
