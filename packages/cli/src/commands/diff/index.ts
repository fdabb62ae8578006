import type { CliContext } from "../../cli-context.js";
import type { ConnectionFlags } from "../../connection-flags.js";
import { ExitCode } from "../../exit-code.js";
import { diffJson } from "../../json/diff-json.js";
import { diffManifest } from "../../manifest-diff.js";
import { DEFAULT_MANIFEST_PATH, readManifest } from "../../read-manifest.js";
import { renderDiff } from "../../render/diff-view.js";
import { styleFor } from "../../render/style.js";
import { withCoordinator } from "../../with-coordinator.js";
import { view, writeJson, writeView } from "../../write-output.js";

/** Options of {@link diff}. */
export interface DiffOptions extends ConnectionFlags {
  /** The manifest, relative to the working directory (default `schemas/twostep.json`). */
  readonly manifest?: string;
  readonly json?: boolean;
}

/**
 * `twostep diff [--manifest FILE]`: where the manifest and the live fleet
 * disagree, per type (write target against write level and ramp, retired
 * levels, versions no member reads) and for the capabilities the manifest
 * does not declare. Reads the manifest before connecting; changes nothing.
 * Exits 0 when they agree, 1 when they differ.
 */
export async function diff(options: DiffOptions, context: CliContext): Promise<ExitCode> {
  const path = options.manifest ?? DEFAULT_MANIFEST_PATH;
  const manifest = await readManifest(path, context.cwd);
  const found = diffManifest(manifest, await withCoordinator(options, context, (coordinator) => coordinator.status()));
  if (options.json === true) writeJson(context.stdout, diffJson(found, path));
  else
    writeView(
      context.stdout,
      view({ found, path }, (safe, style) => renderDiff(safe.found, safe.path, style)),
      styleFor(context.stdout, context.env),
    );
  return found.agree ? ExitCode.Ok : ExitCode.Refused;
}
