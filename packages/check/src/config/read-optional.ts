import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ProtoReadError } from "../errors/index.js";

/** The text of `path` under `dir`, or undefined when there is no such file. Throws `ProtoReadError` when it exists but cannot be read. */
export async function readOptional(dir: string, path: string): Promise<string | undefined> {
  try {
    return await readFile(join(dir, path), "utf8");
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new ProtoReadError(join(dir, path), { cause });
  }
}
