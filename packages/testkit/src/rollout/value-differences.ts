import { isDeepStrictEqual } from "node:util";

/**
 * Where two comparable values differ, as lines such as
 * `$.amountCents: "250" became "25000"`: at most `limit` of them, deepest
 * first found, with a count of the rest.
 */
export function valueDifferences(expected: unknown, actual: unknown, limit = 3): string[] {
  const found: string[] = [];
  collect(expected, actual, "$", found);
  const shown = found.slice(0, limit);
  if (found.length > limit) shown.push(`and ${found.length - limit} more`);
  return shown;
}

function collect(expected: unknown, actual: unknown, path: string, found: string[]): void {
  if (isDeepStrictEqual(expected, actual)) return;
  if (isContainer(expected) && isContainer(actual) && Array.isArray(expected) === Array.isArray(actual)) {
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    for (const key of keys) {
      const inner = Array.isArray(expected) ? `${path}[${key}]` : `${path}.${key}`;
      collect((expected as Record<string, unknown>)[key], (actual as Record<string, unknown>)[key], inner, found);
    }
    return;
  }
  found.push(`${path}: ${show(expected)} became ${show(actual)}`);
}

function isContainer(value: unknown): value is object {
  return typeof value === "object" && value !== null;
}

function show(value: unknown): string {
  if (value === undefined) return "(absent)";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}...` : text;
}
