import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { CoreErrorCode, InvalidManifestError, isTwostepError, type Manifest, parseManifest } from "@twostep/core";
import { UsageError } from "./cli-errors.js";

/** Where commands look for the protocol manifest when `--manifest` does not say: relative to the working directory. */
export const DEFAULT_MANIFEST_PATH = "schemas/twostep.json";

/**
 * Reads and validates the protocol manifest at `path` (relative to `cwd`),
 * before anything connects: a path that cannot be read is a usage error,
 * and a manifest that is not valid an `INVALID_MANIFEST` error listing every
 * problem (both exit 2). `flag` names the option that gave the path, for the
 * message.
 */
export async function readManifest(path: string, cwd: string, flag = "--manifest"): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(resolve(cwd, path), "utf8");
  } catch (error) {
    const reason = error instanceof Error && "code" in error ? String(error.code) : String(error);
    throw new UsageError(`cannot read the manifest ${path} (${reason}): check the path given to ${flag}`);
  }
  try {
    return parseManifest(text);
  } catch (error) {
    if (!isTwostepError(error, CoreErrorCode.InvalidManifest)) throw error;
    const issues = (error as InvalidManifestError).issues.map((issue) => `${path}: ${issue}`);
    throw new InvalidManifestError(issues, { cause: error });
  }
}

/** The levels a manifest declares, per type: every version of each of its types. */
export function declaredLevels(manifest: Manifest): Record<string, number[]> {
  return Object.fromEntries(manifest.types.map((type) => [type.name, type.versions.map((version) => version.version)]));
}
