import type { Manifest, ManifestType } from "@twostep/core";

/** How a type at HEAD was matched with a type at the base. */
export type PairedBy = "name" | "renamedFrom" | "id";

/** One message type as the base and HEAD have it. */
export interface TypePair {
  /** The type at the base; `undefined` for a type new in this change. */
  readonly base: ManifestType | undefined;
  /** The type at HEAD; `undefined` for a type this change removes. */
  readonly head: ManifestType | undefined;
  /** Where `head` sits in the HEAD manifest's `types` (-1 for a removed type). */
  readonly headIndex: number;
  /**
   * How the two were matched: same name, a rename that HEAD declares in
   * `renamedFrom`, or an undeclared rename (same id, the old name gone, and
   * some version with the same schema); `undefined` when one side is missing.
   */
  readonly pairedBy: PairedBy | undefined;
}

/**
 * Matches the types of two manifests: by name first, then by declared
 * renames, then by undeclared renames that the schemas give away. Returns
 * the HEAD types in manifest order, then the base types that HEAD removed.
 * A missing base manifest pairs nothing.
 */
export function pairManifestTypes(base: Manifest | undefined, head: Manifest): TypePair[] {
  const baseTypes = base?.types ?? [];
  const baseByName = new Map(baseTypes.map((type) => [type.name, type]));
  const baseById = new Map(baseTypes.map((type) => [type.id, type]));
  const headNames = new Set(head.types.map((type) => type.name));
  const matched = new Map<ManifestType, { base: ManifestType; by: PairedBy }>();
  const taken = new Set<ManifestType>();
  const match = (headType: ManifestType, baseType: ManifestType | undefined, by: PairedBy): void => {
    if (baseType === undefined || taken.has(baseType) || matched.has(headType)) return;
    matched.set(headType, { base: baseType, by });
    taken.add(baseType);
  };
  for (const type of head.types) match(type, baseByName.get(type.name), "name");
  for (const type of head.types) {
    for (const former of type.renamedFrom) if (!headNames.has(former)) match(type, baseByName.get(former), "renamedFrom");
  }
  for (const type of head.types) {
    const owner = baseById.get(type.id);
    if (owner !== undefined && !headNames.has(owner.name) && sharesASchema(owner, type)) match(type, owner, "id");
  }
  const pairs: TypePair[] = head.types.map((type, headIndex) => {
    const found = matched.get(type);
    return { base: found?.base, head: type, headIndex, pairedBy: found?.by };
  });
  for (const type of baseTypes) if (!taken.has(type)) pairs.push({ base: type, head: undefined, headIndex: -1, pairedBy: undefined });
  return pairs;
}

/**
 * A key naming a version's schema: `proto#message` for protobuf, the
 * snapshot path for JSON; `undefined` for a JSON version without a snapshot.
 */
export function schemaKey(version: ManifestType["versions"][number]): string | undefined {
  if ("proto" in version) return `${version.proto}#${version.message}`;
  return "jsonSchema" in version ? version.jsonSchema : undefined;
}

// True when some version number has the same schema on both sides: the evidence of a rename.
function sharesASchema(before: ManifestType, after: ManifestType): boolean {
  if (before.codec !== after.codec) return false;
  const keys = new Map<number, string | undefined>(before.versions.map((version) => [version.version, schemaKey(version)]));
  return after.versions.some((version) => {
    const key = schemaKey(version);
    return key !== undefined && keys.get(version.version) === key;
  });
}
