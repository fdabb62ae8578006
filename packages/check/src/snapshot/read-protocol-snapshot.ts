import { posix } from "node:path";
import { formatZodIssues, manifestSchema, type Manifest } from "@twostep/core";
import { ManifestSourceError, ProtoReadError, SchemaFileMissingError, type SchemaErrorLocation, type SchemaSide } from "../errors/index.js";
import { tokenizeProto, type ProtoToken } from "../proto/index.js";
import { indexJsonSource, JsonSyntaxError, type JsonSourceIndex } from "./index-json-source.js";

/** Where one side's files come from: the working tree, or a git revision. */
export interface FileSource {
  /** `current` for the working tree (HEAD), `previous` for the base. */
  readonly side: SchemaSide;
  /** How error messages name the root the paths are relative to, such as `origin/main:.` (none for the working tree). */
  readonly root?: string | undefined;
  /** The text of each file by the path given (relative to the directory checked); `undefined` when there is none. */
  read(paths: readonly string[]): Promise<Map<string, string | undefined>>;
}

/**
 * A protocol manifest as one side has it, with the schema files it names:
 * the .proto entry files and every file they import (transitively), and the
 * JSON Schema snapshots. Paths of `protoFiles` are relative to `protoRoot`,
 * as imports name them; every other path is relative to the directory checked.
 */
export interface ProtocolSnapshot {
  readonly side: SchemaSide;
  /** How error messages name the side's root (see {@link FileSource.root}). */
  readonly root: string | undefined;
  readonly manifestFile: string;
  /** The validated manifest; `undefined` at a base that has none yet (every type is then new). */
  readonly manifest: Manifest | undefined;
  /** Where each part of the manifest is written. */
  readonly manifestSource: JsonSourceIndex | undefined;
  /** The directory of the .proto files (the manifest's `protoRoot`), relative to the directory checked. */
  readonly protoRoot: string;
  readonly protoFiles: ReadonlyMap<string, string>;
  /** The files each .proto file imports, as written (including those absent from the tree). */
  readonly imports: ReadonlyMap<string, readonly string[]>;
  /** The JSON Schema snapshots, by path. */
  readonly jsonSchemas: ReadonlyMap<string, string>;
}

/**
 * Reads the manifest at `manifestFile` and the schema files it names from
 * `source`. At HEAD a missing manifest is a {@link ProtoReadError} and a
 * missing entry file a {@link SchemaFileMissingError}; at the base a missing
 * manifest means none existed yet, and missing schema files are left out
 * (the base is history: a check must not be blocked by it). Throws
 * {@link ManifestSourceError} for a manifest that is not valid, on either side.
 */
export async function readProtocolSnapshot(source: FileSource, manifestFile: string): Promise<ProtocolSnapshot> {
  const text = (await source.read([manifestFile])).get(manifestFile);
  if (text === undefined) {
    if (source.side === "current") throw new ProtoReadError(manifestFile, { cause: new Error("no such file") });
    return {
      side: source.side,
      root: source.root,
      manifestFile,
      manifest: undefined,
      manifestSource: undefined,
      protoRoot: ".",
      protoFiles: new Map(),
      imports: new Map(),
      jsonSchemas: new Map(),
    };
  }
  const { manifest, manifestSource } = parseManifestSource(source, manifestFile, text);
  const where = (path: readonly (string | number)[]): SchemaErrorLocation => ({
    file: manifestFile,
    line: manifestSource.locate(path).line,
    side: source.side,
    root: source.root,
  });
  const directory = posix.dirname(manifestFile);
  const protoRoot = posix.join(directory, manifest.protoRoot);
  const entries = new Map<string, SchemaErrorLocation>();
  const snapshots = new Map<string, SchemaErrorLocation>();
  manifest.types.forEach((type, typeIndex) => {
    type.versions.forEach((version, versionIndex) => {
      const at = (key: string) => where(["types", typeIndex, "versions", versionIndex, key]);
      if ("proto" in version && !entries.has(version.proto)) entries.set(version.proto, at("proto"));
      if ("jsonSchema" in version && version.jsonSchema !== undefined) snapshots.set(posix.join(directory, version.jsonSchema), at("jsonSchema"));
    });
  });
  const [proto, jsonSchemas] = await Promise.all([readProtoClosure(source, protoRoot, entries), readSnapshots(source, snapshots)]);
  return { side: source.side, root: source.root, manifestFile, manifest, manifestSource, protoRoot, ...proto, jsonSchemas };
}

function parseManifestSource(source: FileSource, file: string, text: string): { manifest: Manifest; manifestSource: JsonSourceIndex } {
  const location = (line: number): SchemaErrorLocation => ({ file, line, side: source.side, root: source.root });
  let manifestSource: JsonSourceIndex;
  try {
    manifestSource = indexJsonSource(text);
  } catch (cause) {
    if (!(cause instanceof JsonSyntaxError)) throw cause;
    throw new ManifestSourceError(location(cause.line), [`not valid JSON: ${cause.message}`], { cause });
  }
  const result = manifestSchema.safeParse(manifestSource.value);
  if (!result.success) {
    const issues = result.error.issues;
    const path = (issues[0]?.path ?? []).filter((segment) => typeof segment !== "symbol");
    throw new ManifestSourceError(location(manifestSource.locate(path).line), formatZodIssues(result.error), { cause: result.error });
  }
  return { manifest: result.data, manifestSource };
}

// Reads the entry files, then what they import, a round (one read) per level of imports.
async function readProtoClosure(
  source: FileSource,
  protoRoot: string,
  entries: ReadonlyMap<string, SchemaErrorLocation>,
): Promise<Pick<ProtocolSnapshot, "protoFiles" | "imports">> {
  const protoFiles = new Map<string, string>();
  const imports = new Map<string, readonly string[]>();
  const requested = new Set(entries.keys());
  let pending = [...requested];
  while (pending.length > 0) {
    const texts = await source.read(pending.map((path) => posix.join(protoRoot, path)));
    const next: string[] = [];
    for (const path of pending) {
      const text = texts.get(posix.join(protoRoot, path));
      if (text === undefined) {
        const namedAt = entries.get(path);
        if (namedAt !== undefined && source.side === "current") throw new SchemaFileMissingError(namedAt, posix.join(protoRoot, path));
        continue;
      }
      protoFiles.set(path, text);
      const targets = importsOf(text);
      imports.set(path, targets);
      for (const target of targets) {
        if (requested.has(target)) continue;
        requested.add(target);
        next.push(target);
      }
    }
    pending = next;
  }
  return { protoFiles, imports };
}

async function readSnapshots(source: FileSource, snapshots: ReadonlyMap<string, SchemaErrorLocation>): Promise<Map<string, string>> {
  const texts = await source.read([...snapshots.keys()]);
  const found = new Map<string, string>();
  for (const [path, namedAt] of snapshots) {
    const text = texts.get(path);
    if (text !== undefined) found.set(path, text);
    else if (source.side === "current") throw new SchemaFileMissingError(namedAt, path);
  }
  return found;
}

// The paths a .proto file imports. A file that does not tokenize imports nothing
// here: the comparison reports its syntax error with file and line.
function importsOf(text: string): string[] {
  if (!text.includes("import")) return [];
  let tokens: ProtoToken[];
  try {
    tokens = tokenizeProto(text);
  } catch {
    return [];
  }
  const found: string[] = [];
  for (let index = 0; index < tokens.length; index += 1) {
    if (tokens[index]?.kind !== "ident" || tokens[index]?.text !== "import") continue;
    const modifier = tokens[index + 1];
    const target = modifier?.kind === "ident" && (modifier.text === "weak" || modifier.text === "public") ? tokens[index + 2] : modifier;
    if (target?.kind === "string") found.push(target.text);
  }
  return found;
}
