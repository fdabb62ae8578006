import { z } from "zod";
import type { RecordOf } from "./schema-types.js";

/** The zod schema of a {@link LevelRange} as it travels on the wire. */
export const levelRangeSchema = z
  .looseObject({ min: z.number().int().min(0), max: z.number().int().min(0) })
  .refine((range) => range.min <= range.max, "min must not exceed max");

/** An inclusive range of levels, such as the versions a build reads. */
export type LevelRange = RecordOf<typeof levelRangeSchema>;

/** True when `range` contains `level`; an absent range contains nothing. */
export function inRange(range: LevelRange | undefined, level: number): boolean {
  return range !== undefined && level >= range.min && level <= range.max;
}

/** `v1..v3`, or `v2` for a single level. */
export function formatRange(range: LevelRange | undefined): string {
  if (range === undefined) return "nothing";
  return range.min === range.max ? `v${range.min}` : `v${range.min}..v${range.max}`;
}
