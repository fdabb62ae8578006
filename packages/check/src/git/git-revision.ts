import { posix } from "node:path";
import { GitError, UnknownRevisionError } from "../errors/index.js";
import { repositoryPrefix } from "./repository-prefix.js";
import { git, runGit, successful } from "./run-git.js";

/**
 * One commit of the repository that holds a directory, read without checking
 * it out: paths are relative to that directory, as in the working tree.
 */
export interface GitRevision {
  /** The revision as given, such as `origin/main`. */
  readonly ref: string;
  /** The commit it names. */
  readonly commit: string;
  /** The directory, relative to the root of the repository (`""` at the root, else ending in `/`). */
  readonly prefix: string;
  /**
   * The text of each file at the commit, by the path given (relative to the
   * directory, `/` separators); `undefined` for a path that is not a file
   * there. One git process per call.
   */
  read(paths: readonly string[]): Promise<Map<string, string | undefined>>;
}

/**
 * Resolves `ref` to a commit of the repository holding `cwd`. Throws
 * {@link UnknownRevisionError} when it names no commit and {@link GitError}
 * when git is missing or `cwd` is not in a repository.
 */
export async function openGitRevision(cwd: string, ref: string): Promise<GitRevision> {
  // With --verify --quiet, status 1 and no output mean "no such commit"; other failures keep their message.
  const verify = ["rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`];
  // Both git processes run at once; the prefix's failure (not a repository, no git) is the one reported.
  const resolving = runGit(cwd, verify);
  resolving.catch(() => {});
  const prefix = await repositoryPrefix(cwd);
  const resolved = await resolving;
  if (resolved.status === 1 && resolved.stderr === "") throw new UnknownRevisionError(ref, cwd);
  const commit = successful(verify, resolved).toString("utf8").trim();
  return {
    ref,
    commit,
    prefix,
    read: async (paths) => readBlobs(cwd, commit, prefix, paths),
  };
}

async function readBlobs(cwd: string, commit: string, prefix: string, paths: readonly string[]): Promise<Map<string, string | undefined>> {
  const files = new Map<string, string | undefined>();
  const wanted = [...new Set(paths)];
  if (wanted.length === 0) return files;
  // `git cat-file --batch` answers each `commit:path` line with `<id> <type> <size>\n<bytes>\n`, or `<name> missing\n`.
  const input = wanted.map((path) => `${commit}:${posix.normalize(prefix + path)}\n`).join("");
  const output = await git(cwd, ["cat-file", "--batch"], input);
  let offset = 0;
  for (const path of wanted) {
    const end = output.indexOf(10, offset);
    if (end === -1) throw new GitError(["cat-file", "--batch"], `its output ended before ${path}`);
    const header = output.toString("utf8", offset, end).split(" ");
    offset = end + 1;
    const size = Number(header[2]);
    if (header.length !== 3 || !Number.isSafeInteger(size)) {
      files.set(path, undefined);
      continue;
    }
    files.set(path, header[1] === "blob" ? output.toString("utf8", offset, offset + size) : undefined);
    offset += size + 1;
  }
  return files;
}
