// JSON versions (zod types) through their JSON Schema snapshots: the rules that
// keep a shipped snapshot compatible, and writing the snapshots.
export { compareJsonSchemas } from "./compare-json-schemas.js";
export { jsonSchemaSnapshot, writeJsonSchemaSnapshots } from "./write-json-schema-snapshots.js";

export type { JsonSchema, JsonSchemaChange } from "./compare-json-schemas.js";
export type { JsonSchemaSnapshotFile } from "./write-json-schema-snapshots.js";
