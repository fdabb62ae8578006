import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { InvalidManifestError, parseManifest, type ProtocolBindings } from "@twostep/core";
import { z } from "zod";

/** One snapshot that {@link writeJsonSchemaSnapshots} wrote (or found up to date). */
export interface JsonSchemaSnapshotFile {
  readonly type: string;
  readonly version: number;
  /** Absolute path of the snapshot. */
  readonly file: string;
  /** False when the file already held this text (and was left alone); true when it was missing or stale (and was rewritten, when writing). */
  readonly changed: boolean;
}

/**
 * The snapshot text of a zod schema: `z.toJSONSchema(schema)` (JSON Schema
 * draft 2020-12, the output shape), two-space indented, with a final
 * newline. What `twostep check` compares between revisions.
 */
export function jsonSchemaSnapshot(schema: z.ZodType): string {
  return `${JSON.stringify(z.toJSONSchema(schema), null, 2)}\n`;
}

/**
 * Writes the JSON Schema snapshot of every version of every `json` type
 * whose manifest entry names a `jsonSchema` path (relative to the manifest),
 * from the zod schemas in `bindings` (as given to `loadProtocol`). A
 * development tool: it runs the project's own code, unlike `twostep check`,
 * which only reads the snapshots. Files that already hold the same text are
 * not rewritten; versions without a path are skipped. Throws
 * `InvalidManifestError` when the manifest is invalid or a version with a
 * path has no zod schema in `bindings` (listing all such versions, writing
 * nothing).
 */
export async function writeJsonSchemaSnapshots(manifestPath: string, bindings: ProtocolBindings): Promise<JsonSchemaSnapshotFile[]> {
  const found = await compareSnapshots(manifestPath, bindings);
  for (const snapshot of found) {
    if (!snapshot.changed) continue;
    await mkdir(dirname(snapshot.file), { recursive: true });
    await writeFile(snapshot.file, snapshot.text);
  }
  return found.map(({ text: _text, ...file }) => file);
}

/**
 * What {@link writeJsonSchemaSnapshots} would write, writing nothing: each
 * snapshot with `changed` true when the file is missing or holds other text
 * (stale: its zod schema changed since it was written). For CI, so that a
 * changed zod schema with a stale snapshot fails instead of passing
 * unchecked. Throws as {@link writeJsonSchemaSnapshots} does.
 */
export async function checkJsonSchemaSnapshots(manifestPath: string, bindings: ProtocolBindings): Promise<JsonSchemaSnapshotFile[]> {
  return (await compareSnapshots(manifestPath, bindings)).map(({ text: _text, ...file }) => file);
}

// Every snapshot the manifest names, its text from the bindings, and whether the file differs.
async function compareSnapshots(manifestPath: string, bindings: ProtocolBindings): Promise<(JsonSchemaSnapshotFile & { readonly text: string })[]> {
  let text: string;
  try {
    text = await readFile(manifestPath, "utf8");
  } catch (cause) {
    throw new InvalidManifestError([`cannot read the manifest ${manifestPath}: ${(cause as Error).message}`], { cause });
  }
  const manifest = parseManifest(text);
  const planned: { type: string; version: number; file: string; text: string }[] = [];
  const missing: string[] = [];
  for (const type of manifest.types) {
    if (type.codec !== "json") continue;
    for (const version of type.versions) {
      if (version.jsonSchema === undefined) continue;
      const schema = bindings[type.name]?.[version.version]?.schema;
      if (schema === undefined) {
        missing.push(`${type.name} v${version.version} names the snapshot ${version.jsonSchema} but has no zod schema in the bindings`);
        continue;
      }
      planned.push({ type: type.name, version: version.version, file: resolve(dirname(manifestPath), version.jsonSchema), text: jsonSchemaSnapshot(schema) });
    }
  }
  if (missing.length > 0) throw new InvalidManifestError(missing);
  return Promise.all(
    planned.map(async (snapshot) => {
      const current = await readFile(snapshot.file, "utf8").catch(() => undefined);
      return { ...snapshot, changed: current !== snapshot.text };
    }),
  );
}
