// The errors of @twostep/check: one class per failure kind, each with a stable
// code from CheckErrorCode; those located in a schema file extend SchemaSourceError.
export { CheckErrorCode } from "./check-error-code.js";
export { SchemaSourceError } from "./schema-source-error.js";
export { ProtoParseError } from "./proto-parse-error.js";
export { ProtoImportMissingError } from "./proto-import-missing-error.js";
export { ProtoImportCycleError } from "./proto-import-cycle-error.js";
export { ProtoUnresolvedTypeError } from "./proto-unresolved-type-error.js";
export { ProtoReadError } from "./proto-read-error.js";
export { UnknownRevisionError } from "./unknown-revision-error.js";
export { GitError } from "./git-error.js";
export { ManifestSourceError } from "./manifest-source-error.js";
export { SchemaFileMissingError } from "./schema-file-missing-error.js";
export { JsonSchemaParseError } from "./json-schema-parse-error.js";
export { CheckConfigError } from "./check-config-error.js";

export type { SchemaErrorLocation, SchemaSide } from "./schema-source-error.js";
