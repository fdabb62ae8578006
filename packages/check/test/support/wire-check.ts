import { compareProtoFiles, type ProtoFiles, type Violation } from "@twostep/check";

/**
 * Dedents a template of .proto source so that its first line (after the
 * opening newline) is line 1 and its least indented line starts at column 1.
 */
export function proto(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = String.raw({ raw: strings }, ...values).replace(/^\n/, "");
  const lines = text.split("\n");
  const indent = Math.min(...lines.filter((line) => line.trim() !== "").map((line) => /^ */.exec(line)?.[0].length ?? 0));
  return lines.map((line) => line.slice(indent)).join("\n");
}

/** Compares two versions of `a.proto` (or two whole trees). */
export function check(previous: string | ProtoFiles, current: string | ProtoFiles): Violation[] {
  const tree = (files: string | ProtoFiles) => (typeof files === "string" ? { "a.proto": files } : files);
  return compareProtoFiles(tree(previous), tree(current));
}

/** `RULE@line:column` for each violation (of `rule` only, if given), the shape most assertions compare. */
export function located(violations: readonly Violation[], rule?: string): string[] {
  return violations
    .filter((violation) => rule === undefined || violation.rule === rule)
    .map((violation) => `${violation.rule}@${violation.line}:${violation.column ?? "?"}`);
}
