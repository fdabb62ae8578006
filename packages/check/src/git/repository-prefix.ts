import { git } from "./run-git.js";

/**
 * Where `cwd` sits in its git repository: `""` at the root, else a path
 * ending in `/`. GitHub places annotations by paths from the repository
 * root: this is the `pathPrefix` that `formatViolationsAsGithubAnnotations`
 * needs for violations whose files are relative to `cwd`, as those of
 * `checkRollout` are. Throws `GitError` outside a repository.
 */
export async function repositoryPrefix(cwd: string): Promise<string> {
  return (await git(cwd, ["rev-parse", "--show-prefix"])).toString("utf8").trim();
}
