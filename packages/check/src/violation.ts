import type { WireRule } from "./wire-rule.js";

/**
 * One breaking change, as data: which rule, where, what is wrong and what to
 * do. Serialise it as JSON as it is; {@link formatViolationsAsText} and
 * {@link formatViolationsAsGithubAnnotations} render it for people.
 *
 * Every WIRE rule compares an element present on both sides, so the location
 * is always in the current tree: at the element when it still exists, else at
 * its enclosing declaration (a deleted field is reported at its message, as
 * buf does).
 */
export interface Violation {
  /** The buf rule id. */
  readonly rule: WireRule;
  /** Path of the file in the current tree, relative to its root, with `/` separators. */
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column, counted as buf does (characters, tab stops every 4 columns). */
  readonly column?: number;
  /** What is wrong, in buf's wording. */
  readonly message: string;
  /** What to do next. */
  readonly fix: string;
}

/** Builds a violation located at `at` in `file` (internal). */
export function violationAt(
  rule: WireRule,
  file: string,
  at: { readonly line: number; readonly column: number },
  message: string,
  fix: string,
): Violation {
  return { rule, file, line: at.line, column: at.column, message, fix };
}
