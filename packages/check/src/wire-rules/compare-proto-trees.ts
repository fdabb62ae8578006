import { join, posix } from "node:path";
import { CHECK_CONFIG_FILE, dropIgnored, parseCheckConfig, readBufWorkspace, readOptional, type BufWorkspace, type IgnoreRule } from "../config/index.js";
import { CheckConfigError, type SchemaSide } from "../errors/index.js";
import { readProtoTree, type ProtoFiles } from "../proto/index.js";
import { sortViolations, type Violation } from "../violation/index.js";
import { compareProtoFiles } from "./compare-proto-files.js";

/** A tree's files by import path, and where each is in the tree when that differs. */
interface WorkspaceFiles {
  readonly files: ProtoFiles;
  readonly paths: ReadonlyMap<string, string>;
}

/**
 * Compares the `.proto` files under two directories with buf's WIRE rules:
 * {@link readProtoTree} on each, then {@link compareProtoFiles}. Each
 * directory is laid out as buf lays it out: a `buf.yaml` (v1beta1 `roots`,
 * v2 `modules[].path`, `excludes`) or `buf.work.yaml` (v1 `directories`)
 * makes each module's files named, imported and paired relative to the
 * module; without one, imports resolve against the directory, as with
 * `protoc -I dir`. Breaking changes accepted on purpose are dropped: buf's
 * `breaking.ignore` and `ignore_only` in the current directory's buf config,
 * and the entries of its `twostep-check.yaml`. Violations name files relative
 * to `currentDir`; errors name the directory and the file.
 */
export async function compareProtoTrees(previousDir: string, currentDir: string): Promise<Violation[]> {
  const [before, after, config] = await Promise.all([
    readBufWorkspace(previousDir, "previous"),
    readBufWorkspace(currentDir, "current"),
    readCheckConfig(currentDir),
  ]);
  const [previous, current] = await Promise.all([readWorkspaceFiles(previousDir, before, "previous"), readWorkspaceFiles(currentDir, after, "current")]);
  const found = compareProtoFiles(previous.files, current.files, {
    previousRoot: previousDir,
    currentRoot: currentDir,
    previousPaths: previous.paths,
    currentPaths: current.paths,
  });
  const placed = found.map((violation) => ({ ...violation, file: current.paths.get(violation.file) ?? violation.file }));
  return sortViolations(dropIgnored(placed, [...after.ignores, ...config]));
}

async function readWorkspaceFiles(dir: string, workspace: BufWorkspace, side: SchemaSide): Promise<WorkspaceFiles> {
  const files: Record<string, string> = {};
  const paths = new Map<string, string>();
  for (const module of workspace.modules) {
    const tree = await readProtoTree(join(dir, module.path));
    for (const [name, text] of Object.entries(tree)) {
      const path = posix.join(module.path, name);
      if (module.excludes.some((exclude) => path === exclude || path.startsWith(`${exclude}/`))) continue;
      const other = paths.get(name);
      if (other !== undefined) {
        const location = { file: workspace.configFile ?? "buf.yaml", line: 1, side, root: dir };
        throw new CheckConfigError(location, `${other} and ${path} are both imported as ${name}: two modules hold the same file`);
      }
      files[name] = text;
      paths.set(name, path);
    }
  }
  return { files, paths };
}

async function readCheckConfig(dir: string): Promise<IgnoreRule[]> {
  const text = await readOptional(dir, CHECK_CONFIG_FILE);
  return text === undefined ? [] : parseCheckConfig(text, { file: CHECK_CONFIG_FILE, side: "current", root: dir }, ".");
}
