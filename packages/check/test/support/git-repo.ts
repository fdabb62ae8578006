import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterEach } from "vitest";

const run = promisify(execFile);

/** The project's own example protocol: `schemas/` at the root of the repository. */
export const SHOP_SCHEMAS = join(import.meta.dirname, "..", "..", "..", "..", "schemas");

/** A throwaway git repository in the OS temp directory. */
export interface GitRepo {
  readonly dir: string;
  /** Writes a file (creating directories), relative to the repository root. */
  write(path: string, text: string): Promise<void>;
  read(path: string): Promise<string>;
  remove(path: string): Promise<void>;
  /** Stages everything and commits it; returns the commit id. */
  commit(message?: string): Promise<string>;
  git(...args: string[]): Promise<string>;
  /** Deletes the repository. */
  dispose(): Promise<void>;
}

/** Creates a repository holding `files` (path to text), committed when `commit` is true (the default). */
export async function createGitRepo(files: Readonly<Record<string, string>> = {}, options: { commit?: boolean } = {}): Promise<GitRepo> {
  const dir = await mkdtemp(join(tmpdir(), "twostep-check-repo-"));
  const git = async (...args: string[]) => (await run("git", args, { cwd: dir })).stdout;
  const repo: GitRepo = {
    dir,
    write: async (path, text) => {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), text);
    },
    read: (path) => readFile(join(dir, path), "utf8"),
    remove: (path) => rm(join(dir, path), { recursive: true, force: true }),
    commit: async (message = "change") => {
      await git("add", "-A");
      await git("-c", "user.email=t@t", "-c", "user.name=t", "-c", "commit.gpgsign=false", "commit", "--quiet", "--allow-empty", "-m", message);
      return (await git("rev-parse", "HEAD")).trim();
    },
    git,
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
  await git("init", "--quiet", "--initial-branch=main");
  for (const [path, text] of Object.entries(files)) await repo.write(path, text);
  if (options.commit ?? true) await repo.commit("base");
  return repo;
}

/** A repository whose first commit holds a copy of the example protocol under `schemas/` (or `under`). */
export async function createShopRepo(under = "schemas"): Promise<GitRepo> {
  const repo = await createGitRepo({}, { commit: false });
  await cp(SHOP_SCHEMAS, join(repo.dir, under), { recursive: true });
  await repo.commit("the shop protocol");
  return repo;
}

/** A manifest as plain JSON data, to edit in tests. */
export interface ManifestData {
  format: 1;
  protoRoot?: string;
  legacy?: { type: string; version: number };
  types: TypeData[];
}

/** One type of {@link ManifestData}. */
export interface TypeData {
  name: string;
  id: number;
  codec: "protobuf" | "json";
  versions: { version: number; proto?: string; message?: string; jsonSchema?: string }[];
  renamedFrom?: string[];
  retired?: number[];
  writeTarget?: number;
}

/** The example manifest, parsed: edit it and write it back with {@link renderManifest}. */
export async function shopManifest(): Promise<ManifestData> {
  return JSON.parse(await readFile(join(SHOP_SCHEMAS, "twostep.json"), "utf8")) as ManifestData;
}

/**
 * Renders a manifest as the example is laid out: one key per line, one line
 * per version; so each violation's line can be found with {@link lineOf}.
 */
export function renderManifest(manifest: ManifestData): string {
  const lines = ["{", `  "format": ${manifest.format},`];
  if (manifest.protoRoot !== undefined) lines.push(`  "protoRoot": ${JSON.stringify(manifest.protoRoot)},`);
  if (manifest.legacy !== undefined) lines.push(`  "legacy": ${JSON.stringify(manifest.legacy)},`);
  lines.push(`  "types": [`);
  manifest.types.forEach((type, index) => {
    lines.push("    {");
    const entries = Object.entries(type);
    entries.forEach(([key, value], position) => {
      const comma = position < entries.length - 1 ? "," : "";
      if (key === "versions") {
        lines.push(`      "versions": [`);
        type.versions.forEach((version, at) => {
          lines.push(`        ${JSON.stringify(version)}${at < type.versions.length - 1 ? "," : ""}`);
        });
        lines.push(`      ]${comma}`);
      } else {
        lines.push(`      ${JSON.stringify(key)}: ${JSON.stringify(value)}${comma}`);
      }
    });
    lines.push(`    }${index < manifest.types.length - 1 ? "," : ""}`);
  });
  lines.push("  ]", "}", "");
  return lines.join("\n");
}

/**
 * The 1-based line of the first line containing `needle`, searching from
 * the line that contains `after` (when given).
 */
export function lineOf(text: string, needle: string, after?: string): number {
  const lines = text.split("\n");
  const start = after === undefined ? 0 : lines.findIndex((line) => line.includes(after));
  if (start === -1) throw new Error(`no line contains ${after}`);
  const found = lines.findIndex((line, index) => index >= start && line.includes(needle));
  if (found === -1) throw new Error(`no line contains ${needle}${after === undefined ? "" : ` after ${after}`}`);
  return found + 1;
}

/** Makes repositories for the tests of the calling file and deletes them after each test. */
export function tempRepos(): { shop(under?: string): Promise<GitRepo>; create(files?: Readonly<Record<string, string>>): Promise<GitRepo> } {
  const made: GitRepo[] = [];
  afterEach(async () => {
    await Promise.all(made.splice(0).map((repo) => repo.dispose()));
  });
  const track = (repo: GitRepo) => {
    made.push(repo);
    return repo;
  };
  return {
    shop: async (under) => track(await createShopRepo(under)),
    create: async (files) => track(await createGitRepo(files)),
  };
}

/** Changes the shop manifest's orders.OrderPlaced (the manifest itself for what concerns more, such as `legacy`). */
export type OrdersEdit = (orders: TypeData, manifest: ManifestData) => void;

/**
 * Commits the shop manifest of `repo` as `base` edits it, then writes it as
 * `head` edits that in the working tree: a change from one state of
 * orders.OrderPlaced to another. Returns the working tree's manifest text.
 */
export async function changeOrders(repo: GitRepo, base: OrdersEdit, head: OrdersEdit, file = "schemas/twostep.json"): Promise<string> {
  const manifest = await shopManifest();
  const orders = manifest.types.find((type) => type.name === "orders.OrderPlaced");
  if (orders === undefined) throw new Error("the shop manifest has no orders.OrderPlaced");
  base(orders, manifest);
  await repo.write(file, renderManifest(manifest));
  await repo.commit("base");
  head(orders, manifest);
  const text = renderManifest(manifest);
  await repo.write(file, text);
  return text;
}

/** A change that marks orders.OrderPlaced v1 retired, from a base that writes v2 (so that the ordering rules let it pass). */
export function retireOrdersV1(repo: GitRepo): Promise<string> {
  return changeOrders(
    repo,
    (orders) => {
      orders.writeTarget = 2;
    },
    (orders) => {
      orders.retired = [1];
    },
  );
}
