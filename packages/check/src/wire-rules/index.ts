// buf's WIRE rules on two trees of .proto files: files pair by path, messages,
// enums and services by full name, fields by number; one check per element kind.
export { compareProtoFiles } from "./compare-proto-files.js";
export { compareProtoTrees } from "./compare-proto-trees.js";

export type { CompareProtoFilesOptions } from "./compare-proto-files.js";
