import { inRange, type LevelRange } from "../records/level-range.js";
import type { LabelSelector, Labels } from "../records/member-record.js";
import { committedLevels, type Ramp, type WriteLevelRecord } from "../records/write-level-record.js";

/** What a build writes of one capability under one record. */
export interface WritePlan {
  /** The level written outside the ramp's share, or null: nothing may be written. */
  readonly base: number | null;
  /** The ramp the build follows (its target may be the build's fallback), or null. */
  readonly ramp: Pick<Ramp, "to" | "percent" | "by"> | null;
  /** Why nothing may be written (when `base` is null), saying what to do. */
  readonly closed: string | null;
}

/**
 * The levels a build writes under a record. Writes are closed without a
 * record or a write level. A build that cannot write the write level falls
 * back to the nearest level below it that every member reads (a committed
 * required level), and never above: a rollback is a rollback for every
 * build. A ramp target it cannot write falls back the same way; a ramp
 * limited to labels it lacks is not its to follow. A level that is only an
 * intent is never written.
 */
export function writePlan(capability: string, record: WriteLevelRecord | undefined, writes: LevelRange | undefined, labels: Labels): WritePlan {
  if (writes === undefined) return closed(`this build does not write ${capability}`);
  if (record === undefined || record.level === null) {
    return closed(`${capability} has no write level yet: a release manager enables one first (twostep enable-write ${capability} LEVEL)`);
  }
  const retiring = record.intent?.retiring ?? [];
  const usable = committedLevels(record).filter((level) => !retiring.includes(level) || level === record.level);
  const base = fallback(record.level, writes, usable);
  if (base === null) {
    return closed(
      `the fleet writes ${capability} v${record.level}; this build writes v${writes.min}..v${writes.max} and none of the levels at or below ` +
        `v${record.level} that every member reads: deploy a build that writes v${record.level}`,
    );
  }
  const ramp = record.ramp;
  if (ramp === null || !matches(labels, ramp.where)) return { base, ramp: null, closed: null };
  const to = inRange(writes, ramp.to) ? ramp.to : fallback(ramp.to, writes, usable);
  return { base, ramp: to === null || to === base ? null : { to, percent: ramp.percent, by: ramp.by }, closed: null };
}

/** Every level a build may write under the plan: the base and the ramp's target. */
export function plannedLevels(plan: WritePlan): number[] {
  if (plan.base === null) return [];
  return plan.ramp === null ? [plan.base] : [plan.base, plan.ramp.to];
}

/** True when `labels` matches `where`: for every label it names, one of its values (null: everyone matches). */
export function matches(labels: Labels, where: LabelSelector | null): boolean {
  if (where === null) return true;
  return Object.entries(where).every(([name, values]) => {
    const value = labels[name];
    return value !== undefined && values.includes(value);
  });
}

function fallback(target: number, writes: LevelRange, usable: readonly number[]): number | null {
  if (inRange(writes, target)) return target;
  const lower = usable.filter((level) => level <= target && inRange(writes, level));
  return lower.at(-1) ?? null;
}

function closed(why: string): WritePlan {
  return { base: null, ramp: null, closed: why };
}
