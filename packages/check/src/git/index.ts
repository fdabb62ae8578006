// Reading a git repository without touching its working tree: a revision's
// files (git cat-file), and where a directory sits in the repository.
export { openGitRevision } from "./git-revision.js";
export { repositoryPrefix } from "./repository-prefix.js";
