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
  /** False when the file already held this text and was left alone. */
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
  const written: JsonSchemaSnapshotFile[] = [];
  for (const snapshot of planned) {
    const current = await readFile(snapshot.file, "utf8").catch(() => undefined);
    if (current !== snapshot.text) {
      await mkdir(dirname(snapshot.file), { recursive: true });
      await writeFile(snapshot.file, snapshot.text);
    }
    written.push({ type: snapshot.type, version: snapshot.version, file: snapshot.file, changed: current !== snapshot.text });
  }
  return written;
}
