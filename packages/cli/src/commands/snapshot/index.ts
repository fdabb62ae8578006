import { relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { checkJsonSchemaSnapshots, type JsonSchemaSnapshotFile, writeJsonSchemaSnapshots } from "@twostep/check";
import type { ProtocolBindings } from "@twostep/core";
import type { CliContext } from "../../cli-context.js";
import { UsageError } from "../../cli-errors.js";
import { ExitCode } from "../../exit-code.js";
import { DEFAULT_MANIFEST_PATH } from "../../read-manifest.js";
import { writeJson, writeLines } from "../../write-output.js";

/** Options of {@link snapshot}: its flags. */
export interface SnapshotOptions {
  /** Regenerate the snapshots that differ. */
  readonly write?: boolean;
  /** Verify the snapshots, writing nothing: exit 1 when one is missing or stale. */
  readonly check?: boolean;
  /** The module (built JavaScript) that exports the protocol's bindings, relative to the working directory. */
  readonly bindings?: string;
  /** The name of the bindings' export. Defaults to `bindings`, else the default export. */
  readonly export?: string;
  /** The manifest, relative to the working directory. Defaults to `schemas/twostep.json`. */
  readonly manifest?: string;
  readonly json?: boolean;
}

/** What became of one snapshot. */
type SnapshotStatus = "unchanged" | "written" | "stale";

/**
 * `twostep snapshot --write | --check`: the JSON Schema snapshots of the
 * manifest's `json` versions, made from the zod schemas in the bindings that
 * `--bindings MODULE` exports. `--write` regenerates those that differ;
 * `--check` writes nothing and exits 1 when one is missing or stale (a zod
 * schema changed and its snapshot was not regenerated), so CI refuses it.
 */
export async function snapshot(options: SnapshotOptions, context: CliContext): Promise<ExitCode> {
  if (options.write === options.check) throw new UsageError("give one of --write (regenerate the snapshots) and --check (verify them, for CI)");
  if (options.bindings === undefined || options.bindings === "") {
    throw new UsageError("--bindings MODULE is required: the built module that exports the protocol's bindings (the zod schemas given to loadProtocol)");
  }
  const manifestPath = resolve(context.cwd, options.manifest ?? DEFAULT_MANIFEST_PATH);
  const bindings = await importBindings(resolve(context.cwd, options.bindings), options.export);
  const files = options.write === true ? await writeJsonSchemaSnapshots(manifestPath, bindings) : await checkJsonSchemaSnapshots(manifestPath, bindings);
  const status = (file: JsonSchemaSnapshotFile): SnapshotStatus => (!file.changed ? "unchanged" : options.write === true ? "written" : "stale");
  const shown = files.map((file) => ({
    type: file.type,
    version: file.version,
    file: relative(context.cwd, file.file).split(sep).join("/"),
    status: status(file),
  }));
  const stale = shown.filter((file) => file.status === "stale");
  if (options.json === true) writeJson(context.stdout, { snapshots: shown });
  else
    writeLines(
      context.stdout,
      shown.map((file) => `${file.status.padEnd(9)} ${file.file} (${file.type} v${file.version})`),
    );
  if (stale.length > 0) {
    context.stderr.write(
      `twostep snapshot: ${stale.length} of ${shown.length} snapshots are stale; regenerate them with twostep snapshot --write ` +
        `--bindings ${options.bindings}${options.export === undefined ? "" : ` --export ${options.export}`}` +
        `${options.manifest === undefined ? "" : ` --manifest ${options.manifest}`} and commit them\n`,
    );
    return ExitCode.Refused;
  }
  const written = shown.filter((file) => file.status === "written").length;
  context.stderr.write(
    `twostep snapshot: ${options.write === true ? `${written} written, ${shown.length - written} unchanged` : `${shown.length} up to date`}\n`,
  );
  return ExitCode.Ok;
}

async function importBindings(path: string, name: string | undefined): Promise<ProtocolBindings> {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (cause) {
    throw new UsageError(
      `cannot import the bindings module ${path}: ${cause instanceof Error ? cause.message : String(cause)} (give the built JavaScript module)`,
    );
  }
  const key = name ?? ("bindings" in module ? "bindings" : "default");
  const bindings = module[key];
  if (typeof bindings !== "object" || bindings === null) {
    const exported = Object.keys(module).join(", ") || "nothing";
    throw new UsageError(`${path} has no export ${JSON.stringify(key)} holding the bindings (it exports ${exported}); name it with --export`);
  }
  return bindings as ProtocolBindings;
}
