export { defineMessageType, MessageType } from "./message-type.js";
export type { MessageTypeDefinition, VersionDefinition, VersionRange } from "./message-type.js";
export { defineProtocol, Protocol } from "./protocol.js";
export type { DecodedFrame, LegacyReading, ProtocolDefinition } from "./protocol.js";
export type { Codec } from "./codec.js";
export { protobufCodec } from "./protobuf-codec.js";
export { zodCodec } from "./zod-codec.js";
export { ENVELOPE_HEADER, decodeEnvelopeHead, encodeEnvelopeHead, isEnveloped } from "./envelope.js";
export type { EnvelopeHead } from "./envelope.js";
export { MAX_VARINT, readVarint, varintSize, writeVarint } from "./varint.js";
export { manifestSchema, parseManifest } from "./manifest.js";
export type { Manifest, ManifestType } from "./manifest.js";
export { protocolFromManifest } from "./protocol-from-manifest.js";
export { formatZodIssues } from "./format-zod-issues.js";
export type { ManifestSources, ProtocolBindings, VersionBinding } from "./protocol-from-manifest.js";
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
