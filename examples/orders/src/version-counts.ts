import type { VersionCounts } from "./service-process.js";

/** The sum of several counts, version by version. */
export function sumCounts(counts: readonly (VersionCounts | undefined)[]): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const count of counts) for (const [version, n] of Object.entries(count ?? {})) sum[version] = (sum[version] ?? 0) + n;
  return sum;
}

/** What `after` counted beyond `before`, version by version. */
export function countsSince(after: VersionCounts | undefined, before: VersionCounts | undefined): Record<string, number> {
  const since: Record<string, number> = {};
  for (const [version, n] of Object.entries(after ?? {})) since[version] = n - (before?.[version] ?? 0);
  return since;
}

/** Every frame counted, whatever its version. */
export function totalCount(counts: VersionCounts): number {
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

/** The share of `version` among all frames counted, from 0 to 1 (0 when none was). */
export function shareOf(counts: VersionCounts, version: number): number {
  const total = totalCount(counts);
  return total === 0 ? 0 : (counts[version] ?? 0) / total;
}

/** `v1 91, v2 9 (9.0% v2)`. */
export function formatCounts(counts: VersionCounts): string {
  const v1 = counts["1"] ?? 0;
  const v2 = counts["2"] ?? 0;
  return `v1 ${String(v1).padStart(4)}, v2 ${String(v2).padStart(4)}  (${(shareOf(counts, 2) * 100).toFixed(1)}% v2)`;
}
