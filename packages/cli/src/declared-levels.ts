import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { CoreErrorCode, InvalidManifestError, isTwostepError, parseManifest } from "@twostep/core";
import type { ChangeOptions } from "@twostep/fleet";
import { UsageError } from "./cli-errors.js";

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
  const path = resolve(cwd, flags.manifest);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const reason = error instanceof Error && "code" in error ? String(error.code) : String(error);
    throw new UsageError(`cannot read the manifest ${flags.manifest} (${reason}): check the path given to --manifest`);
  }
  try {
    const manifest = parseManifest(text);
    return { ...allow, declared: Object.fromEntries(manifest.types.map((type) => [type.name, type.versions.map((version) => version.version)])) };
  } catch (error) {
    if (!isTwostepError(error, CoreErrorCode.InvalidManifest)) throw error;
    const issues = (error as InvalidManifestError).issues.map((issue) => `${flags.manifest}: ${issue}`);
    throw new InvalidManifestError(issues, { cause: error });
  }
}
