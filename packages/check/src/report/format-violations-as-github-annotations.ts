import type { Violation } from "../violation/index.js";
import { githubAnnotation } from "./github-annotation.js";

/**
 * Renders violations as GitHub Actions workflow commands, one line each:
 * `::error file=F,line=L,col=C,title=RULE::message` with the fix on a second
 * line of the annotation. GitHub places an annotation only when `file` is
 * relative to the repository root: pass `pathPrefix` (such as `"schemas/"`,
 * or `repositoryPrefix(cwd)` for the violations of `checkRollout`) when the
 * compared tree lives in a subdirectory. Returns `""` for no violations.
 */
export function formatViolationsAsGithubAnnotations(violations: readonly Violation[], options: { pathPrefix?: string } = {}): string {
  const prefix = options.pathPrefix ?? "";
  return violations
    .map((violation) =>
      githubAnnotation(
        [
          ["file", prefix + violation.file],
          ["line", violation.line],
          ...(violation.column === undefined ? [] : [["col", violation.column] as const]),
          ["title", violation.rule],
        ],
        `${violation.message}\n${violation.fix}`,
      ),
    )
    .join("");
}
