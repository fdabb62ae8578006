// One side of a rollout check: the manifest and the schema files it names, read
// from the working tree or a git revision, with positions in JSON texts.
export { readProtocolSnapshot } from "./read-protocol-snapshot.js";
export { indexJsonSource, JsonSyntaxError } from "./index-json-source.js";

export type { FileSource, ProtocolSnapshot } from "./read-protocol-snapshot.js";
export type { JsonSourceIndex } from "./index-json-source.js";
