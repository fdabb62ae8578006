import type { Violation } from "./violation.js";

/**
 * Sorts violations in place for output, by file, line, column, rule and
 * message (a violation without a column comes first on its line), and
 * returns the array.
 */
export function sortViolations(violations: Violation[]): Violation[] {
  const key = (violation: Violation): readonly (string | number)[] => [
    violation.file,
    violation.line,
    violation.column ?? 0,
    violation.rule,
    violation.message,
  ];
  return violations.sort((a, b) => {
    const left = key(a);
    const right = key(b);
    for (let index = 0; index < left.length; index += 1) {
      const x = left[index] ?? 0;
      const y = right[index] ?? 0;
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  });
}
