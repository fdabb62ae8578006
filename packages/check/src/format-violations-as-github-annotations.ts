import type { Violation } from "./violation.js";

/**
 * Renders violations as GitHub Actions workflow commands, one line each:
 * `::error file=F,line=L,col=C,title=RULE::message` with the fix on a second
 * line of the annotation. GitHub places an annotation only when `file` is
 * relative to the repository root: pass `pathPrefix` (such as `"schemas/"`)
 * when the compared tree lives in a subdirectory. Returns `""` for no
 * violations.
 */
export function formatViolationsAsGithubAnnotations(violations: readonly Violation[], options: { pathPrefix?: string } = {}): string {
  const prefix = options.pathPrefix ?? "";
  return violations
    .map((violation) => {
      const properties = [
        `file=${escapeProperty(prefix + violation.file)}`,
        `line=${violation.line}`,
        ...(violation.column === undefined ? [] : [`col=${violation.column}`]),
        `title=${escapeProperty(violation.rule)}`,
      ].join(",");
      return `::error ${properties}::${escapeData(`${violation.message}\n${violation.fix}`)}\n`;
    })
    .join("");
}

/** Escapes text for the data part of a GitHub workflow command (as `@actions/core` does): `%`, CR and LF. */
export function escapeData(text: string): string {
  return text.replaceAll("%", "%25").replaceAll("\r", "%0D").replaceAll("\n", "%0A");
}

function escapeProperty(text: string): string {
  return escapeData(text).replaceAll(":", "%3A").replaceAll(",", "%2C");
}
