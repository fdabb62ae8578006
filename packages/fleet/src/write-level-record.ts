import { z } from "zod";

/** A canary: a deterministic share of writes uses level `to`. */
export interface Ramp {
  /** The level the share writes. */
  readonly to: number;
  /** The share, from 0 (exclusive) to 100 (exclusive); fractions allowed. */
  readonly percent: number;
  /** `key`: hash the message key (one entity never flips); `node`: hash the node id (node-level canaries). */
  readonly by: "key" | "node";
}

/**
 * A change in progress: the coordinator has committed the intent to make
 * `levels` required, and will confirm or withdraw it after checking the
 * fleet again. Writers ignore it; the join guard already requires its
 * readers, so a node that starts meanwhile cannot slip through.
 */
export interface Intent {
  readonly levels: readonly number[];
  readonly at: number;
  readonly actor: string;
  readonly reason: string;
}

/** The fleet-wide write state of one capability, stored with a revision. */
export interface WriteLevelRecord {
  /** The capability, such as a message type name or `compression.zstd`. */
  readonly capability: string;
  /** The level writers use. */
  readonly level: number;
  /** When `level` was set, by whom and why. */
  readonly levelSince: number;
  readonly levelSetBy: string;
  readonly levelReason: string;
  /** A canary towards another level, or null. */
  readonly ramp: Ramp | null;
  /** A change being checked, or null. */
  readonly intent: Intent | null;
  /** Every level ever written (ascending): readers stay required until retired. */
  readonly everWritten: readonly number[];
  /** Levels retired (ascending): builds may drop their readers. */
  readonly retired: readonly number[];
  /** Per level, when writers stopped using it (ms since the epoch): starts its drain window. */
  readonly writtenUntil: Readonly<Record<string, number>>;
  /** When the record last changed, by whom and why. */
  readonly changedAt: number;
  readonly changedBy: string;
  readonly reason: string;
}

/** A value together with the store revision it was read at. */
export interface Versioned<T> {
  readonly value: T;
  /** Store revision; compare-and-set takes it back. Positive. */
  readonly revision: number;
}

const level = z.number().int().min(0);

/** The zod schema of a {@link WriteLevelRecord}; everything off the wire passes it. */
export const writeLevelRecordSchema = z.strictObject({
  capability: z.string().min(1),
  level,
  levelSince: z.number(),
  levelSetBy: z.string(),
  levelReason: z.string(),
  ramp: z.strictObject({ to: level, percent: z.number().gt(0).lt(100), by: z.enum(["key", "node"]) }).nullable(),
  intent: z.strictObject({ levels: z.array(level), at: z.number(), actor: z.string(), reason: z.string() }).nullable(),
  everWritten: z.array(level),
  retired: z.array(level),
  writtenUntil: z.record(z.string(), z.number()),
  changedAt: z.number(),
  changedBy: z.string(),
  reason: z.string(),
});

/**
 * The levels every member must read under this record: the write level, the
 * ramp target, the intent's target, and every level ever written and not
 * retired. Ascending, without duplicates.
 */
export function requiredLevels(record: WriteLevelRecord): number[] {
  const required = new Set<number>([record.level]);
  if (record.ramp !== null) required.add(record.ramp.to);
  for (const pending of record.intent?.levels ?? []) required.add(pending);
  for (const written of record.everWritten) if (!record.retired.includes(written)) required.add(written);
  return [...required].sort((a, b) => a - b);
}

/** The levels writers may use under this record: the write level and the ramp target. */
export function writtenLevels(record: WriteLevelRecord): number[] {
  return record.ramp === null ? [record.level] : [record.level, record.ramp.to];
}
