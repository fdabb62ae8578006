import type { CheckRule } from "./check-rule.js";

/**
 * One breaking change, as data: which rule, where, what is wrong and what to
 * do. Serialise it as JSON as it is; {@link formatViolationsAsText} and
 * {@link formatViolationsAsGithubAnnotations} render it for people.
 *
 * Every WIRE rule compares an element present on both sides, so the location
 * is always in the current tree: at the element when it still exists, else at
 * its enclosing declaration (a deleted field is reported at its message, as
 * buf does). The rollout and JSON Schema rules of `checkRollout` are located
 * in the working tree too: at the manifest entry, the .proto element or the
 * snapshot's property, and carry the message type and version they concern.
 */
export interface Violation {
  /** The rule id: one of buf's WIRE rules, or a rollout or JSON Schema rule. */
  readonly rule: CheckRule;
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
  /** The message type concerned (rollout and JSON Schema rules, and WIRE rules found by `checkRollout`). */
  readonly type?: string;
  /** The version of {@link Violation.type} concerned, when one is. */
  readonly version?: number;
  /**
   * The .proto element a WIRE rule concerns, by full name: a message
   * (`shop.Order`), a field or extension (`shop.Order.total`), an enum, an rpc
   * (`shop.Orders.Place`). An ignore entry may name it (docs/check.md).
   */
  readonly element?: string;
}
