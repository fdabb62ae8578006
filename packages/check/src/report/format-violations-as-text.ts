import type { Violation } from "../violation/index.js";

/**
 * Renders violations for a terminal, one block per violation:
 * `file:line:column: RULE message` and an indented `fix:` line below.
 * Returns `""` for no violations.
 */
export function formatViolationsAsText(violations: readonly Violation[]): string {
  return violations
    .map((violation) => {
      const column = violation.column === undefined ? "" : `:${violation.column}`;
      return `${violation.file}:${violation.line}${column}: ${violation.rule} ${violation.message}\n  fix: ${violation.fix}\n`;
    })
    .join("");
}
