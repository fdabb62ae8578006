import type { NumberRange } from "../proto/index.js";

/** The largest field number, which `max` means in a message's `reserved` or `extensions`. */
export const MAX_FIELD_NUMBER = 536_870_911;

/** The largest enum value number, which `max` means in an enum's `reserved`. */
export const MAX_ENUM_NUMBER = 2_147_483_647;

/** Sorts ranges by start, for {@link uncoveredRanges}. */
export function sortRanges(ranges: readonly NumberRange[]): NumberRange[] {
  return [...ranges].sort((a, b) => a[0] - b[0]);
}

/** The parts of `range` that no range of `cover` (sorted by start) includes. */
export function uncoveredRanges(range: NumberRange, cover: readonly NumberRange[]): NumberRange[] {
  const [start, end] = range;
  const missing: NumberRange[] = [];
  let next = start;
  for (const [coverStart, coverEnd] of cover) {
    if (coverEnd < next) continue;
    if (coverStart > end) break;
    if (coverStart > next) missing.push([next, coverStart - 1]);
    next = coverEnd + 1;
    if (next > end) return missing;
  }
  missing.push([next, end]);
  return missing;
}

/** True when `number` lies in one of `ranges`. */
export function inRanges(number: number, ranges: readonly NumberRange[]): boolean {
  return ranges.some(([start, end]) => number >= start && number <= end);
}

/** Prints a range as buf does: `[5]`, `[1,10]`, `[20,max]`. */
export function formatRange([start, end]: NumberRange, max: number): string {
  const bound = (value: number) => (value === max ? "max" : String(value));
  return start === end ? `[${bound(start)}]` : `[${bound(start)},${bound(end)}]`;
}
