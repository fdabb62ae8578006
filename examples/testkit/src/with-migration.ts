import { defineMessageType, defineProtocol, type Protocol, type VersionDefinition } from "@twostep/core";

/** The migrations (and their lossless claim) to put in place of a version's own. */
export type MigrationChange = Pick<VersionDefinition, "upgrade" | "downgrade" | "lossless">;

/**
 * `protocol` with the migrations of one version of one type replaced: the
 * way to try a candidate migration, or to see what the test kit reports for
 * a broken one, without touching the shipped definitions.
 */
export function withMigration(protocol: Protocol, typeName: string, version: number, change: MigrationChange): Protocol {
  const target = protocol.type(typeName);
  const versions = Array.from({ length: target.reads.max - target.reads.min + 1 }, (_, index) => {
    const definition = target.version(target.reads.min + index) as VersionDefinition;
    return definition.version === version ? { ...definition, ...change } : definition;
  });
  const replaced = defineMessageType({ name: target.name, id: target.id, versions, minWrite: target.writes.min });
  return defineProtocol({
    types: protocol.types.map((type) => (type === target ? replaced : type)),
    ...(protocol.legacy === undefined ? {} : { legacy: protocol.legacy }),
  });
}
