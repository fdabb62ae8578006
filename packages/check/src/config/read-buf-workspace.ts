import { posix } from "node:path";
import type { SchemaSide } from "../errors/index.js";
import { WIRE_RULES } from "../violation/index.js";
import type { IgnoreRule } from "./ignore-rule.js";
import { readOptional } from "./read-optional.js";
import { isRecord, YamlConfig } from "./yaml-config.js";

/** A module of a buf workspace: a directory whose files are named (and imported) relative to it. */
export interface ProtoModule {
  /** The module's directory relative to the tree, with `/` separators; `.` for the tree itself. */
  readonly path: string;
  /** Directories relative to the tree whose files the module leaves out. */
  readonly excludes: readonly string[];
}

/** How buf lays out a tree of .proto files, from its `buf.yaml` or `buf.work.yaml`. */
export interface BufWorkspace {
  readonly modules: readonly ProtoModule[];
  /** `breaking.ignore` and `breaking.ignore_only`, with paths relative to the tree. */
  readonly ignores: readonly IgnoreRule[];
  /** The file that declared the modules, relative to the tree, if any. */
  readonly configFile?: string;
}

// buf's categories hold every WIRE rule: ignoring one in buf.yaml ignores them all.
const CATEGORIES = new Set(["WIRE", "WIRE_JSON", "PACKAGE", "FILE"]);
const WHOLE_TREE: BufWorkspace = { modules: [{ path: ".", excludes: [] }], ignores: [] };

/**
 * Reads the layout of the tree at `dir` as buf does: a `buf.work.yaml` (v1:
 * `directories`, each a module with its own optional `buf.yaml`), else a
 * `buf.yaml` (v1beta1: `build.roots`; v1: the tree is the module; v2:
 * `modules[].path`), with their `excludes` and `breaking.ignore` /
 * `ignore_only`. Without either, the tree is one module. Throws
 * `CheckConfigError` at the line of what it cannot use.
 */
export async function readBufWorkspace(dir: string, side: SchemaSide): Promise<BufWorkspace> {
  const work = await readOptional(dir, "buf.work.yaml");
  if (work !== undefined) {
    const config = YamlConfig.parse(work, { file: "buf.work.yaml", side, root: dir });
    const document = config.value;
    if (!isRecord(document) || document["version"] !== "v1") throw config.error(["version"], "buf.work.yaml must have version: v1");
    const directories = document["directories"];
    if (!Array.isArray(directories) || directories.length === 0) throw config.error(["directories"], "directories must list the modules' directories");
    const modules: ProtoModule[] = [];
    const ignores: IgnoreRule[] = [];
    for (const [index, directory] of directories.entries()) {
      if (typeof directory !== "string") throw config.error(["directories", index], "a directory must be a path");
      const path = config.path(["directories", index], ".", directory);
      const module = await readModuleConfig(dir, path, side);
      modules.push(module.module);
      ignores.push(...module.ignores);
    }
    return { modules, ignores, configFile: "buf.work.yaml" };
  }
  const text = await readOptional(dir, "buf.yaml");
  if (text === undefined) return WHOLE_TREE;
  const config = YamlConfig.parse(text, { file: "buf.yaml", side, root: dir });
  const document = config.value;
  if (!isRecord(document)) throw config.error([], "buf.yaml must be a mapping with a version");
  switch (document["version"]) {
    case "v1beta1":
    case "v1": {
      const build = isRecord(document["build"]) ? document["build"] : {};
      if (document["version"] === "v1" && build["roots"] !== undefined) {
        throw config.error(["build", "roots"], "build.roots cannot be set on version v1 (as buf says): use version: v1beta1, a buf.work.yaml, or v2 modules");
      }
      const roots = document["version"] === "v1beta1" ? strings(config, build["roots"], ["build", "roots"], ["."]) : ["."];
      const modules = roots.map((root, index) => {
        const path = config.path(["build", "roots", index], ".", root);
        const excludes = strings(config, build["excludes"], ["build", "excludes"], []).map((exclude, at) =>
          config.path(["build", "excludes", at], path, exclude),
        );
        return { path, excludes };
      });
      // v1 and v1beta1 paths are relative to the module (each root).
      const ignores = modules.flatMap((module) => breakingIgnores(config, document, module.path));
      return { modules, ignores, configFile: "buf.yaml" };
    }
    case "v2": {
      const declared = document["modules"] ?? [{ path: "." }];
      if (!Array.isArray(declared)) throw config.error(["modules"], "modules must be a list of { path }");
      const modules: ProtoModule[] = [];
      const ignores: IgnoreRule[] = breakingIgnores(config, document, ".");
      for (const [index, entry] of declared.entries()) {
        if (!isRecord(entry)) throw config.error(["modules", index], "a module must be a mapping with a path");
        const path = typeof entry["path"] === "string" ? config.path(["modules", index, "path"], ".", entry["path"]) : ".";
        const excludes = strings(config, entry["excludes"], ["modules", index, "excludes"], []).map((exclude, at) =>
          config.path(["modules", index, "excludes", at], ".", exclude),
        );
        modules.push({ path, excludes });
        // v2 paths are relative to the workspace (the buf.yaml's directory).
        ignores.push(...breakingIgnores(config, entry, ".", ["modules", index]));
      }
      return { modules, ignores, configFile: "buf.yaml" };
    }
    default:
      throw config.error(["version"], "buf.yaml must have version: v1beta1, v1 or v2");
  }
}

async function readModuleConfig(dir: string, path: string, side: SchemaSide): Promise<{ module: ProtoModule; ignores: IgnoreRule[] }> {
  const file = posix.join(path, "buf.yaml");
  const text = await readOptional(dir, file);
  if (text === undefined) return { module: { path, excludes: [] }, ignores: [] };
  const config = YamlConfig.parse(text, { file, side, root: dir });
  const document = config.value;
  if (!isRecord(document)) return { module: { path, excludes: [] }, ignores: [] };
  const build = isRecord(document["build"]) ? document["build"] : {};
  const excludes = strings(config, build["excludes"], ["build", "excludes"], []).map((exclude, at) => config.path(["build", "excludes", at], path, exclude));
  return { module: { path, excludes }, ignores: breakingIgnores(config, document, path) };
}

// buf.yaml's breaking.ignore and breaking.ignore_only, for the WIRE rules (other ids are buf's other categories, not checked here).
function breakingIgnores(config: YamlConfig, section: Record<string, unknown>, base: string, at: readonly (string | number)[] = []): IgnoreRule[] {
  const breaking = section["breaking"];
  if (!isRecord(breaking)) return [];
  const where = [...at, "breaking"];
  const rules: IgnoreRule[] = strings(config, breaking["ignore"], [...where, "ignore"], []).map((path, index) => ({
    path: config.path([...where, "ignore", index], base, path),
  }));
  const only = breaking["ignore_only"];
  if (!isRecord(only)) return rules;
  for (const [rule, paths] of Object.entries(only)) {
    if (!CATEGORIES.has(rule) && !(WIRE_RULES as readonly string[]).includes(rule)) continue;
    for (const [index, path] of strings(config, paths, [...where, "ignore_only", rule], []).entries()) {
      rules.push({ rule: CATEGORIES.has(rule) ? undefined : rule, path: config.path([...where, "ignore_only", rule, index], base, path) });
    }
  }
  return rules;
}

function strings(config: YamlConfig, value: unknown, at: readonly (string | number)[], fallback: readonly string[]): readonly string[] {
  if (value === undefined || value === null) return fallback;
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) throw config.error(at, "expected a list of paths");
  return value;
}
