import { type CapabilitySupport, formatLabels, formatRange, type Ramp, type WriteLevelRecord } from "@twostep/fleet";

/** `v1, v2`, or `none` for an empty list. */
export function formatLevels(levels: readonly number[]): string {
  return levels.length === 0 ? "none" : levels.map((level) => `v${level}`).join(", ");
}

/** `to v2 at 10% by key`, `to v2 at 10% by node where zone=a`, or `to v2 on every node where zone=a`. */
export function formatRamp(ramp: Ramp): string {
  const where = ramp.where === null || Object.keys(ramp.where).length === 0 ? "" : ` where ${formatLabels(ramp.where)}`;
  return ramp.percent === 100 ? `to v${ramp.to} on every node${where}` : `to v${ramp.to} at ${ramp.percent}% by ${ramp.by}${where}`;
}

/** Writes are closed: no record, or a record without a write level. */
export const WRITES_CLOSED = "writes closed: nothing enabled";

/** `writes v1`, `writes v1, ramp to v2 at 10% by key`, or {@link WRITES_CLOSED}. */
export function describeWriteState(record: Pick<WriteLevelRecord, "level" | "ramp"> | null): string {
  if (record === null || record.level === null) return WRITES_CLOSED;
  const ramp = record.ramp === null ? "" : `, ramp ${formatRamp(record.ramp)}`;
  return `writes v${record.level}${ramp}`;
}

/** `reads v1..v2, writes v1..v2`, or `reads v1` for a node that only reads. */
export function describeSupport(support: CapabilitySupport | undefined): string {
  if (support === undefined) return "does not know it";
  return support.writes === undefined ? `reads ${formatRange(support.reads)}` : `reads ${formatRange(support.reads)}, writes ${formatRange(support.writes)}`;
}
