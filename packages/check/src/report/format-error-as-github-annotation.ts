import type { TwostepError } from "@twostep/core";
import { SchemaSourceError } from "../errors/index.js";
import { githubAnnotation } from "./github-annotation.js";
import { workingTreeFile } from "./working-tree-file.js";

/**
 * Renders an error that stopped a check as one GitHub `::error` annotation,
 * titled with its code. An error in a working-tree file is placed at its
 * file and line: relative to `cwd`, behind `pathPrefix` (see
 * {@link formatViolationsAsGithubAnnotations}); any other shows on the run.
 */
export function formatErrorAsGithubAnnotation(error: TwostepError, options: { cwd: string; pathPrefix?: string }): string {
  const file = workingTreeFile(error, options.cwd);
  const where =
    file === undefined || !(error instanceof SchemaSourceError) ? [] : [["file", `${options.pathPrefix ?? ""}${file}`] as const, ["line", error.line] as const];
  return githubAnnotation([...where, ["title", error.code]], error.message);
}
