import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach } from "vitest";

/** A temporary directory per test, removed after it: `file(name, content)` writes a file there and returns its path. */
export function useTempFiles(): { file: (name: string, content: unknown) => Promise<string>; dir: () => string } {
  let dir = "";
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "twostep-cli-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  return {
    dir: () => dir,
    file: async (name, content) => {
      const path = join(dir, name);
      await writeFile(path, typeof content === "string" ? content : JSON.stringify(content));
      return path;
    },
  };
}

/** A protocol manifest that declares `name` (type id 7, JSON codec) at versions 1..`newest`. */
export function manifestDeclaring(name: string, newest: number): unknown {
  return { format: 1, types: [{ name, id: 7, codec: "json", versions: Array.from({ length: newest }, (_, index) => ({ version: index + 1 })) }] };
}
