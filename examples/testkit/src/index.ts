export { protocolAsOf } from "./protocol-as-of.js";
export { withMigration } from "./with-migration.js";
export type { MigrationChange } from "./with-migration.js";
