export { compareProtoFiles } from "./compare-proto-files.js";
export type { CompareProtoFilesOptions } from "./compare-proto-files.js";
export { compareProtoTrees } from "./compare-proto-trees.js";
export { readProtoTree } from "./read-proto-tree.js";
export type { ProtoFiles } from "./load-proto-schema.js";
export { WIRE_RULES, WireRule } from "./wire-rule.js";
export type { Violation } from "./violation.js";
export { formatViolationsAsText } from "./format-violations-as-text.js";
export { formatViolationsAsGithubAnnotations } from "./format-violations-as-github-annotations.js";
export {
  CheckErrorCode,
  ProtoImportCycleError,
  ProtoImportMissingError,
  ProtoParseError,
  ProtoReadError,
  ProtoUnresolvedTypeError,
  SchemaSourceError,
} from "./errors.js";
export type { SchemaErrorLocation, SchemaSide } from "./errors.js";
