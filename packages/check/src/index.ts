export { checkRollout } from "./rollout-rules/index.js";
export { compareProtoFiles, compareProtoTrees } from "./wire-rules/index.js";
export { checkJsonSchemaSnapshots, compareJsonSchemas, jsonSchemaSnapshot, writeJsonSchemaSnapshots } from "./json-schema/index.js";
export { repositoryPrefix } from "./git/index.js";
export {
  formatErrorAsGithubAnnotation,
  formatErrorAsJson,
  formatViolationsAsGithubAnnotations,
  formatViolationsAsJson,
  formatViolationsAsText,
} from "./report/index.js";
export { CHECK_RULES, JSON_SCHEMA_RULES, JsonSchemaRule, ROLLOUT_RULES, RolloutRule, WIRE_RULES, WireRule } from "./violation/index.js";
export {
  CheckConfigError,
  CheckErrorCode,
  GitError,
  JsonSchemaParseError,
  ManifestSourceError,
  ProtoImportCycleError,
  ProtoImportMissingError,
  ProtoParseError,
  ProtoReadError,
  ProtoUnresolvedTypeError,
  SchemaFileMissingError,
  SchemaSourceError,
  UnknownRevisionError,
} from "./errors/index.js";

export type { CheckRolloutOptions, FleetAccess } from "./rollout-rules/index.js";
export type { CompareProtoFilesOptions } from "./wire-rules/index.js";
export type { ProtoFiles } from "./proto/index.js";
export type { JsonSchema, JsonSchemaChange, JsonSchemaSnapshotFile } from "./json-schema/index.js";
export type { CheckRule, Violation } from "./violation/index.js";
export type { SchemaErrorLocation, SchemaSide } from "./errors/index.js";
