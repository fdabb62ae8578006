import type { z } from "zod";

/**
 * The issues of a failed zod parse in words, one per issue with its path
 * (`items.0.sku: expected string`), at most `limit` of them (default 5)
 * and a count of the rest: the one wording of schema failures everywhere.
 */
export function formatZodIssues(error: z.ZodError, limit = 5): string[] {
  const shown = error.issues.slice(0, limit).map((issue) => `${issue.path.length === 0 ? "(root)" : issue.path.map(String).join(".")}: ${issue.message}`);
  const rest = error.issues.length - shown.length;
  return rest > 0 ? [...shown, `and ${rest} more`] : shown;
}
