import type { Dirent } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { ProtoReadError } from "../errors/index.js";
import type { ProtoFiles } from "./load-proto-schema.js";

/**
 * Reads every `.proto` file under `dir` (recursively, skipping `node_modules`
 * and dot-directories) into a {@link ProtoFiles} map keyed by the path
 * relative to `dir` with `/` separators, as `import` statements name them.
 * Throws {@link ProtoReadError} when `dir` or a file cannot be read.
 */
export async function readProtoTree(dir: string): Promise<ProtoFiles> {
  const files: Record<string, string> = {};
  await collect(dir, "", files);
  return files;
}

async function collect(dir: string, prefix: string, files: Record<string, string>): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(join(dir, prefix), { withFileTypes: true });
  } catch (cause) {
    throw new ProtoReadError(join(dir, prefix), { cause });
  }
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const relative = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    const path = join(dir, relative);
    let isDirectory = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      const target = await stat(path).catch(() => undefined);
      isDirectory = target?.isDirectory() ?? false;
      isFile = target?.isFile() ?? false;
    }
    if (isDirectory && entry.name !== "node_modules" && !entry.name.startsWith(".")) {
      await collect(dir, relative, files);
    } else if (isFile && entry.name.endsWith(".proto")) {
      try {
        files[relative] = await readFile(path, "utf8");
      } catch (cause) {
        throw new ProtoReadError(path, { cause });
      }
    }
  }
}
