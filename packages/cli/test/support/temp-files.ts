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

/** One type of {@link manifestOf}: a JSON type declaring versions 1..`newest`, with its rollout fields when given. */
export interface ManifestTypeSpec {
  readonly name: string;
  readonly newest: number;
  readonly retired?: readonly number[];
  readonly writeTarget?: number;
}

/** A protocol manifest of JSON types, with ids 7, 8, ... in order. */
export function manifestOf(...types: readonly ManifestTypeSpec[]): unknown {
  return {
    format: 1,
    types: types.map(({ name, newest, ...rollout }, index) => ({
      name,
      id: 7 + index,
      codec: "json",
      versions: Array.from({ length: newest }, (_, version) => ({ version: version + 1 })),
      ...rollout,
    })),
  };
}

/** A protocol manifest that declares `name` (type id 7, JSON codec) at versions 1..`newest`. */
export function manifestDeclaring(name: string, newest: number): unknown {
  return manifestOf({ name, newest });
}
