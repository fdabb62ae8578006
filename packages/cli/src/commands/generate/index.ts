import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { generateProtocolTypes, type ZodSchemaSource } from "@twostep/core/node";
import type { CliContext } from "../../cli-context.js";
import { UsageError } from "../../cli-errors.js";
import { ExitCode } from "../../exit-code.js";
import { DEFAULT_MANIFEST_PATH } from "../../read-manifest.js";
import { styleFor } from "../../render/style.js";
import { writeJson, writeLines } from "../../write-output.js";

/** Options of {@link generate}. */
export interface GenerateOptions {
  /** The manifest. Defaults to `schemas/twostep.json`. */
  readonly manifest?: string;
  /** The TypeScript file to write. */
  readonly out?: string;
  /** The name of the protocol shape type (default: the file name in PascalCase). */
  readonly typeName?: string;
  /** `TYPE=MODULE` or `TYPE=MODULE#EXPORT`: where a json type's zod schemas are (`{version}` in EXPORT stands for the version). */
  readonly zod?: readonly string[];
  /** Write nothing; exit 1 when the file is missing or differs from what would be written. */
  readonly check?: boolean;
  readonly json?: boolean;
}

/**
 * `twostep generate [manifest] --out FILE`: writes the TypeScript types of
 * every version of every message type of a manifest (protobuf versions from
 * their .proto files, json versions as `z.infer` of their zod schemas) and
 * the protocol shape that types `loadProtocol` and its bindings. With
 * `--check` it writes nothing and exits 1 when the file is not current, for CI.
 */
export async function generate(options: GenerateOptions, context: CliContext): Promise<ExitCode> {
  const manifest = options.manifest ?? DEFAULT_MANIFEST_PATH;
  if (options.out === undefined) throw new UsageError("say where to write the types: --out FILE, such as --out src/generated/protocol.ts");
  const out = options.out;
  const generated = generateProtocolTypes(manifest, {
    out,
    ...(options.typeName === undefined ? {} : { typeName: options.typeName }),
    zod: zodSources(options.zod ?? []),
  });
  const current = await readFile(out, "utf8").catch(() => undefined);
  const changed = current !== generated.text;
  const summary = {
    file: out,
    typeName: generated.typeName,
    changed,
    types: generated.types,
  };
  const style = styleFor(context.stdout, context.env);
  if (options.check === true) {
    if (options.json === true) writeJson(context.stdout, summary);
    if (!changed) {
      if (options.json !== true) writeLines(context.stdout, [`${out} is current (${generated.typeName})`]);
      return ExitCode.Ok;
    }
    context.stderr.write(
      `${styleFor(context.stderr, context.env).red("stale")}: ${out} ${current === undefined ? "does not exist" : "is not what the manifest, its .proto files and zod schemas give"}; regenerate it: ${commandLine(manifest, options)}\n`,
    );
    return ExitCode.Refused;
  }
  if (changed) {
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, generated.text);
  }
  if (options.json === true) writeJson(context.stdout, summary);
  else {
    const versions = generated.types.reduce((count, type) => count + type.versions.length, 0);
    writeLines(context.stdout, [
      `${changed ? "wrote" : "up to date:"} ${out}: ${style.bold(generated.typeName)}, ${generated.types.length} types, ${versions} versions`,
      ...generated.types.map((type) => `  ${type.name}  ${type.versions.map((version) => version.value).join(", ")}`),
    ]);
  }
  return ExitCode.Ok;
}

function zodSources(entries: readonly string[]): Record<string, ZodSchemaSource> {
  const sources: Record<string, ZodSchemaSource> = {};
  for (const entry of entries) {
    const match = /^([^=]+)=([^#]+)(?:#(.+))?$/.exec(entry.trim());
    if (match === null)
      throw new UsageError(`--zod ${entry}: give TYPE=MODULE or TYPE=MODULE#EXPORT, such as --zod customers.CustomerUpdated=src/customer-updated.ts`);
    const [, name = "", module = "", exportName] = match;
    sources[name.trim()] = { module: module.trim(), ...(exportName === undefined ? {} : { exportName: exportName.trim() }) };
  }
  return sources;
}

function commandLine(manifest: string, options: GenerateOptions): string {
  return [
    "twostep generate",
    manifest,
    `--out ${options.out}`,
    ...(options.typeName === undefined ? [] : [`--type-name ${options.typeName}`]),
    ...(options.zod ?? []).map((entry) => `--zod ${entry}`),
  ].join(" ");
}
