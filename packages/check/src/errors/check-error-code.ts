/**
 * Stable codes of the errors raised by `@twostep/check`. Branch on these,
 * never on message text: a code never changes meaning once released.
 */
export const CheckErrorCode = {
  /** A .proto file is not valid protobuf source. */
  ProtoParse: "PROTO_PARSE",
  /** A .proto file imports a file that is neither in the tree nor a bundled well-known type. */
  ProtoImportMissing: "PROTO_IMPORT_MISSING",
  /** .proto files import each other in a cycle. */
  ProtoImportCycle: "PROTO_IMPORT_CYCLE",
  /** A type name used by a field or an rpc does not name any message or enum. */
  ProtoUnresolvedType: "PROTO_UNRESOLVED_TYPE",
  /** A schema directory or file cannot be read. */
  ProtoRead: "PROTO_READ",
  /** The base revision names no commit of the repository (or the clone does not have it). */
  UnknownRevision: "UNKNOWN_REVISION",
  /** git is missing or failed, or the directory is not inside a git repository. */
  GitFailed: "GIT_FAILED",
  /** The protocol manifest is not JSON, or not a valid manifest (the code `@twostep/core` uses, here with file and line). */
  InvalidManifest: "INVALID_MANIFEST",
  /** A file that the manifest names (a .proto entry file or a JSON Schema snapshot) does not exist. */
  SchemaFileMissing: "SCHEMA_FILE_MISSING",
  /** A JSON Schema snapshot is not JSON, or not a schema (an object or a boolean). */
  JsonSchemaParse: "JSON_SCHEMA_PARSE",
  /** `twostep-check.yaml`, or a `buf.yaml` or `buf.work.yaml` of a compared tree, is not YAML or not a valid configuration. */
  InvalidCheckConfig: "INVALID_CHECK_CONFIG",
} as const;

/** One of the codes in {@link CheckErrorCode}. */
export type CheckErrorCode = (typeof CheckErrorCode)[keyof typeof CheckErrorCode];
