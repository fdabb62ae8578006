import type { CliContext } from "../../cli-context.js";
import { UsageError } from "../../cli-errors.js";
import { type DeclaredFlags, declaredOptions } from "../../declared-levels.js";
import type { ExitCode } from "../../exit-code.js";
import { readManifest } from "../../read-manifest.js";
import { type MutationFlags, runMutation } from "../../run-mutation.js";
import { readApplyFile } from "./apply-file.js";
import { type ApplySource, applyMutation } from "./apply-mutation.js";
import { fileSource } from "./file-source.js";
import { manifestSource } from "./manifest-source.js";

/** Options of {@link apply}: a file (the manifest, if given, declares levels), or the manifest alone. */
export interface ApplyOptions extends MutationFlags, DeclaredFlags {
  /** Path of the apply file (docs/cli.md). */
  readonly file?: string;
  /** With `--manifest`: make a write target below what the fleet writes (a rollback). */
  readonly allowRollback?: boolean;
}

/**
 * `twostep apply <file>` and `twostep apply --manifest FILE` (no file): brings write
 * levels to what a declarative file says, or to the manifest's write
 * targets, each capability stated once as a request that
 * `Coordinator.change` answers as a dry run for the preview and makes for
 * the commit, with the checks of `enable-write`. Prints the plan of every
 * capability (and, for a manifest, what it leaves alone), then makes what is
 * not yet in force, in order; a capability refused (or held back) is
 * reported and the others still go ahead, with exit 1. Idempotent: a
 * second run changes nothing and says so. The file or manifest is read
 * before connecting.
 */
export async function apply(options: ApplyOptions, context: CliContext): Promise<ExitCode> {
  return runMutation(options, context, applyMutation(await applySource(options, context.cwd)));
}

/**
 * The form the flags ask for: a file of levels (with `--manifest`, its
 * levels count as declared, as for `enable-write`), or without a file the
 * manifest's write targets; neither is a usage error.
 */
async function applySource(options: ApplyOptions, cwd: string): Promise<ApplySource> {
  const { file, manifest } = options;
  if (file === undefined && manifest !== undefined) {
    if (options.allowUndeclared === true) throw new UsageError("--allow-undeclared does not go with --manifest: the manifest declares its levels");
    return manifestSource(manifest, await readManifest(manifest, cwd), options.allowRollback === true);
  }
  if (file === undefined) {
    throw new UsageError("apply needs what to apply: a file of write levels (twostep apply levels.json), or the manifest (twostep apply --manifest FILE)");
  }
  if (options.allowRollback === true) {
    throw new UsageError(
      "--allow-rollback goes with the manifest's write targets only (twostep apply --manifest FILE, without a file): a file's levels are made as they are (roll back with twostep disable-write)",
    );
  }
  return fileSource(file, await readApplyFile(file), await declaredOptions(options, cwd));
}
