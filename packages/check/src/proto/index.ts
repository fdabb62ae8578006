// .proto source into the model the wire rules compare: a tokenizer and a
// source index for positions, protobufjs for parsing and resolving, field
// defaults, and reading a tree of .proto files from disk.
export { loadProtoSchema } from "./load-proto-schema.js";
export { readProtoTree } from "./read-proto-tree.js";
export { tokenizeProto } from "./tokenize-proto.js";

export type { ProtoFiles } from "./load-proto-schema.js";
export type { ProtoToken, SourcePosition } from "./tokenize-proto.js";
export type {
  EnumSchema,
  FieldCardinality,
  FieldDefault,
  FieldKind,
  FieldSchema,
  FileSchema,
  MessageSchema,
  MethodSchema,
  NumberRange,
  ProtoSchema,
  Reservations,
  ServiceSchema,
} from "./proto-schema.js";
