import type { Ramp } from "@twostep/fleet";
import type { ManifestDiff, TypeDiff, UnknownCapability, WriteComparison } from "../manifest-diff.js";

/** One type of `twostep diff --json` (docs/cli.md). */
export interface TypeDiffJson {
  readonly type: string;
  readonly agrees: boolean;
  readonly writeTarget: number | null;
  readonly write: WriteComparison;
  /** The fleet's write level (null: writes closed, or the record cannot be read) and ramp. */
  readonly level: number | null;
  readonly ramp: Ramp | null;
  readonly revision: number;
  readonly problem: string | null;
  readonly required: readonly number[];
  readonly retired: { readonly manifest: readonly number[]; readonly fleet: readonly number[] };
  readonly retiredStillRequired: readonly number[];
  readonly retiredInFleetOnly: readonly number[];
  readonly targetRetired: boolean;
  readonly unread: readonly number[];
  readonly participants: number;
}

/** One capability the manifest does not declare, in `twostep diff --json`. */
export interface UnknownCapabilityJson {
  readonly capability: string;
  readonly level: number | null;
  readonly ramp: Ramp | null;
  readonly revision: number;
  readonly problem: string | null;
  readonly participants: number;
  readonly renamedTo: string | null;
}

/** `twostep diff --json`, format 1 (docs/cli.md). */
export interface DiffJson {
  readonly format: 1;
  readonly at: number;
  /** The manifest compared, as given. */
  readonly manifest: string;
  readonly agree: boolean;
  readonly regressed: readonly string[];
  /** Every type of the manifest against the fleet, in the manifest's order. */
  readonly typeDiffs: readonly TypeDiffJson[];
  readonly notInManifest: readonly UnknownCapabilityJson[];
}

/** Maps a {@link ManifestDiff} of the manifest at `manifest` to the documented JSON shape. */
export function diffJson(diff: ManifestDiff, manifest: string): DiffJson {
  return {
    format: 1,
    at: diff.at,
    manifest,
    agree: diff.agree,
    regressed: diff.regressed,
    typeDiffs: diff.types.map(typeJson),
    notInManifest: diff.notInManifest.map(unknownJson),
  };
}

function typeJson(type: TypeDiff): TypeDiffJson {
  return {
    type: type.type,
    agrees: type.agrees,
    writeTarget: type.writeTarget,
    write: type.write,
    level: type.record?.level ?? null,
    ramp: type.record?.ramp ?? null,
    revision: type.revision,
    problem: type.problem,
    required: type.required,
    retired: type.retired,
    retiredStillRequired: type.retiredStillRequired,
    retiredInFleetOnly: type.retiredInFleetOnly,
    targetRetired: type.targetRetired,
    unread: type.unread,
    participants: type.participants,
  };
}

function unknownJson(capability: UnknownCapability): UnknownCapabilityJson {
  return {
    capability: capability.capability,
    level: capability.record?.level ?? null,
    ramp: capability.record?.ramp ?? null,
    revision: capability.revision,
    problem: capability.problem,
    participants: capability.participants,
    renamedTo: capability.renamedTo,
  };
}
