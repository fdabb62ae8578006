import type { ChangeOptions } from "@twostep/fleet";
import { declaredLevels, readManifest } from "./read-manifest.js";

/** `--manifest FILE` and `--allow-undeclared`: what counts as declared for a change that enables a level. */
export interface DeclaredFlags {
  readonly manifest?: string;
  readonly allowUndeclared?: boolean;
}

/** What {@link Coordinator.change} is told of declared levels. */
export type DeclaredOptions = Pick<ChangeOptions, "declared" | "allowUndeclared">;

/**
 * The levels the manifest declares (every version of each of its types,
 * read with `parseManifest`), and whether undeclared ones are intended.
 * The manifest is read before anything connects: a path that cannot be read
 * or a manifest that is not valid is a usage error (exit 2).
 */
export async function declaredOptions(flags: DeclaredFlags, cwd: string): Promise<DeclaredOptions> {
  const allow = flags.allowUndeclared === true ? { allowUndeclared: true } : {};
  if (flags.manifest === undefined) return allow;
  return { ...allow, declared: declaredLevels(await readManifest(flags.manifest, cwd)) };
}
