import type { ManifestType } from "@twostep/core";
import type { ProtocolSnapshot } from "../snapshot/index.js";
import { RolloutRule, type Violation } from "../violation/index.js";
import { manifestViolation } from "./manifest-violation.js";
import type { TypePair } from "./pair-manifest-types.js";

/**
 * TYPE_ID_CHANGED, TYPE_ID_REUSED and TYPE_RENAMED: every frame carries its
 * type's id, so an id names one type for good. A type that keeps its name
 * (or declares its rename) keeps its id; no type takes an id the base gave
 * to another; a rename is declared with `renamedFrom`. Ids of types removed
 * before the base are not known here: the manifest keeps no record of them.
 */
export function checkTypeIdentity(head: ProtocolSnapshot, pairs: readonly TypePair[], out: Violation[]): void {
  const baseById = new Map<number, TypePair>();
  for (const pair of pairs) if (pair.base !== undefined) baseById.set(pair.base.id, pair);
  for (const pair of pairs) {
    const type = pair.head;
    if (type === undefined) continue;
    const { base, headIndex } = pair;
    const formerly = base !== undefined && base.name !== type.name ? ` (formerly ${base.name})` : "";
    if (base !== undefined && base.id !== type.id) {
      out.push(
        manifestViolation(head, ["types", headIndex, "id"], {
          rule: RolloutRule.TypeIdChanged,
          type: type.name,
          message:
            `${type.name}${formerly} changed its type id from ${base.id} to ${type.id}: every frame carries the id, ` +
            `so builds on either side of this change cannot read each other's ${type.name} frames`,
          fix: `Restore "id": ${base.id}. A type's id never changes; a different type gets an id never used before.`,
        }),
      );
    }
    if (pair.pairedBy === "id" && base !== undefined) {
      out.push(
        manifestViolation(head, ["types", headIndex, "name"], {
          rule: RolloutRule.TypeRenamed,
          type: type.name,
          message: `${base.name} (type id ${base.id}) is gone and ${type.name} appears with its id and its schemas: a rename that is not declared`,
          fix: `If ${type.name} is ${base.name} renamed, add "renamedFrom": ["${base.name}"] to it; if it is another type, give it an id never used before.`,
        }),
      );
    }
    const owner = baseById.get(type.id);
    if (owner?.base !== undefined && owner.base !== base) out.push(reusedId(head, pair, type, owner.base, owner.head === undefined));
  }
}

function reusedId(head: ProtocolSnapshot, pair: TypePair, type: ManifestType, owner: ManifestType, ownerRemoved: boolean): Violation {
  return manifestViolation(head, ["types", pair.headIndex, "id"], {
    rule: RolloutRule.TypeIdReused,
    type: type.name,
    message:
      `${type.name} uses type id ${type.id}, which the base gives to ${owner.name}${ownerRemoved ? " (removed in this change)" : ""}: ` +
      `frames of one would be read as the other by builds on the other side of this change`,
    fix: ownerRemoved
      ? `Give ${type.name} an id never used before: ids are never reused, even once their type is gone. ` +
        `If ${type.name} is ${owner.name} renamed, declare "renamedFrom": ["${owner.name}"] instead.`
      : `Give ${type.name} an id never used before, and keep id ${type.id} with ${owner.name}.`,
  });
}
