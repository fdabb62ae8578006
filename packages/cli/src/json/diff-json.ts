import type { ManifestDiff, TypeDiff, UnknownCapability } from "../manifest-diff.js";

/** One type of `twostep diff --json` (docs/cli.md): a {@link TypeDiff} as `diffManifest` makes it. */
export type TypeDiffJson = TypeDiff;

/** One capability the manifest does not declare, in `twostep diff --json`: an {@link UnknownCapability} as `diffManifest` makes it. */
export type UnknownCapabilityJson = UnknownCapability;

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

/** A {@link ManifestDiff} of the manifest at `manifest` in the documented JSON shape. */
export function diffJson(diff: ManifestDiff, manifest: string): DiffJson {
  return { format: 1, at: diff.at, manifest, agree: diff.agree, regressed: diff.regressed, typeDiffs: diff.types, notInManifest: diff.notInManifest };
}
