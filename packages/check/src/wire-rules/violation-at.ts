import type { Violation, WireRule } from "../violation/index.js";

/** Builds a violation of a WIRE rule located at `at` in `file`, about `element` (a full name) when it concerns one. */
export function violationAt(
  rule: WireRule,
  file: string,
  at: { readonly line: number; readonly column: number },
  message: string,
  fix: string,
  element?: string,
): Violation {
  return { rule, file, line: at.line, column: at.column, message, fix, ...(element === undefined ? {} : { element }) };
}
