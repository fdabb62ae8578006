export { compareProtoFiles } from "./compare-proto-files.js";
export type { CompareProtoFilesOptions } from "./compare-proto-files.js";
export { compareProtoTrees } from "./compare-proto-trees.js";
export { readProtoTree } from "./read-proto-tree.js";
export type { ProtoFiles } from "./load-proto-schema.js";
export { WIRE_RULES, WireRule } from "./wire-rule.js";
export { ROLLOUT_RULES, RolloutRule } from "./rollout-rule.js";
export { JSON_SCHEMA_RULES, JsonSchemaRule } from "./json-schema-rule.js";
export { CHECK_RULES } from "./check-rule.js";
export type { CheckRule } from "./check-rule.js";
export type { Violation } from "./violation.js";
export { formatViolationsAsText } from "./format-violations-as-text.js";
export { formatViolationsAsGithubAnnotations } from "./format-violations-as-github-annotations.js";
export { formatViolationsAsJson } from "./format-violations-as-json.js";
export { checkRollout, DEFAULT_MANIFEST_PATH } from "./check-rollout.js";
export type { CheckRolloutOptions } from "./check-rollout.js";
export type { FleetAccess } from "./check-fleet-readiness.js";
export { compareJsonSchemas } from "./compare-json-schemas.js";
export type { JsonSchema, JsonSchemaChange } from "./compare-json-schemas.js";
export { jsonSchemaSnapshot, writeJsonSchemaSnapshots } from "./write-json-schema-snapshots.js";
export type { JsonSchemaSnapshotFile } from "./write-json-schema-snapshots.js";
export { CheckExitCode, runCheck } from "./run-check.js";
export type { CheckIo, CheckResult, TextWriter } from "./run-check.js";
export { CHECK_FORMATS, CHECK_USAGE, parseCheckArgs } from "./parse-check-args.js";
export type { CheckCommand, CheckFormat } from "./parse-check-args.js";
export {
  CheckErrorCode,
  CheckUsageError,
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
} from "./errors.js";
export type { SchemaErrorLocation, SchemaSide } from "./errors.js";
