import type { Violation } from "../violation/index.js";

/**
 * Renders violations as the JSON document `twostep check --format json`
 * prints: `{ "violations": [...] }`, each violation with its keys in a fixed
 * order (`rule`, `file`, `line`, `column`, `type`, `version`, `element`,
 * `message`, `fix`; `column`, `type`, `version` and `element` only when
 * known), two-space indented, with a final newline.
 */
export function formatViolationsAsJson(violations: readonly Violation[]): string {
  const shaped = violations.map((violation) => ({
    rule: violation.rule,
    file: violation.file,
    line: violation.line,
    ...(violation.column === undefined ? {} : { column: violation.column }),
    ...(violation.type === undefined ? {} : { type: violation.type }),
    ...(violation.version === undefined ? {} : { version: violation.version }),
    ...(violation.element === undefined ? {} : { element: violation.element }),
    message: violation.message,
    fix: violation.fix,
  }));
  return `${JSON.stringify({ violations: shaped }, null, 2)}\n`;
}
