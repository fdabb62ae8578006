// JSON versions (zod types) through their JSON Schema snapshots: the rules that
// keep a shipped snapshot compatible, and writing and verifying the snapshots.
export { compareJsonSchemas } from "./compare-json-schemas.js";
export { checkJsonSchemaSnapshots, jsonSchemaSnapshot, writeJsonSchemaSnapshots } from "./write-json-schema-snapshots.js";

export type { JsonSchema, JsonSchemaChange } from "./compare-json-schemas.js";
export type { JsonSchemaSnapshotFile } from "./write-json-schema-snapshots.js";
