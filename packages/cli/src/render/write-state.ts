import { formatRange, type CapabilitySupport, type Ramp, type WriteLevelRecord } from "@twostep/fleet";

/** `v1, v2`, or `none` for an empty list. */
export function formatLevels(levels: readonly number[]): string {
  return levels.length === 0 ? "none" : levels.map((level) => `v${level}`).join(", ");
}

/** `to v2 at 10% by key`. */
export function formatRamp(ramp: Ramp): string {
  return `to v${ramp.to} at ${ramp.percent}% by ${ramp.by}`;
}

/** `writes v1`, `writes v1, ramp to v2 at 10% by key`, or `nothing enabled` without a record. */
export function describeWriteState(record: Pick<WriteLevelRecord, "level" | "ramp"> | null): string {
  if (record === null) return "nothing enabled";
  const ramp = record.ramp === null ? "" : `, ramp ${formatRamp(record.ramp)}`;
  return `writes v${record.level}${ramp}`;
}

/** `reads v1..v2, writes v1..v2`, or `reads v1` for a node that only reads. */
export function describeSupport(support: CapabilitySupport | undefined): string {
  if (support === undefined) return "does not know it";
  return support.writes === undefined ? `reads ${formatRange(support.reads)}` : `reads ${formatRange(support.reads)}, writes ${formatRange(support.writes)}`;
}
