import type { Violation } from "../violation/index.js";
import { JSON_SCHEMA_RULES, WIRE_RULES } from "../violation/index.js";

/**
 * A breaking change accepted on purpose, as buf's `breaking.ignore` (every
 * rule) and `breaking.ignore_only` (one rule) say it: a schema rule on a
 * file, a directory, or (twostep's addition) one element of a file.
 */
export interface IgnoreRule {
  /** The rule id accepted; every schema rule (WIRE and JSON_*) when absent. */
  readonly rule?: string | undefined;
  /** A file or a directory, relative to the directory violations are relative to, with `/` separators; `.` for all. */
  readonly path: string;
  /** A .proto element by full name: the rule is accepted for it and what it contains, nowhere else in `path`. */
  readonly element?: string | undefined;
}

/** The rules an ignore entry may name: the schema rules. The rollout rules are never accepted: their fix is to split the change. */
export const IGNORABLE_RULES: ReadonlySet<string> = new Set<string>([...WIRE_RULES, ...JSON_SCHEMA_RULES]);

/** The violations no ignore rule accepts. */
export function dropIgnored(violations: readonly Violation[], rules: readonly IgnoreRule[]): Violation[] {
  if (rules.length === 0) return [...violations];
  return violations.filter((violation) => !rules.some((rule) => accepts(rule, violation)));
}

function accepts(rule: IgnoreRule, violation: Violation): boolean {
  if (!IGNORABLE_RULES.has(violation.rule) || (rule.rule !== undefined && rule.rule !== violation.rule)) return false;
  if (!(rule.path === "." || violation.file === rule.path || violation.file.startsWith(`${rule.path}/`))) return false;
  if (rule.element === undefined) return true;
  const element = violation.element;
  return element !== undefined && (element === rule.element || element.startsWith(`${rule.element}.`));
}
