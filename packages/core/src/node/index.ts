export { loadManifest, loadProtocol } from "./load-protocol.js";
export type { LoadedManifest, LoadedProtocol, LoadProtocolOptions } from "./load-protocol.js";
export { generateProtocolTypes } from "./generate/generate-protocol-types.js";
export type { GeneratedProtocolTypes, GenerateOptions, ZodSchemaSource } from "./generate/generate-protocol-types.js";
export { describeMessages } from "./generate/protobuf-model.js";
export type { EnumModel, FieldKind, FieldModel, MessageModel, TypeModel } from "./generate/protobuf-model.js";
