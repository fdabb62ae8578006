import type { Blocker, Plan, WriteLevelRecord } from "@twostep/fleet";
import { groupBlockers, type BlockerGroup } from "../render/blocker-groups.js";

/** `twostep plan --json`, and the `plan` of a mutating command's `--json` (docs/cli.md). */
export interface PlanJson {
  readonly capability: string;
  /** The request in words: `enable v2 at 10% by key`. */
  readonly request: string;
  /** Revision of the current record; 0 when there is none. */
  readonly revision: number;
  readonly current: WriteLevelRecord | null;
  /** The record the change would lead to. */
  readonly next: WriteLevelRecord;
  /** Levels the change newly requires every member to read. */
  readonly newlyRequired: readonly number[];
  /** False when the request is already in force. */
  readonly changes: boolean;
  /** True when it changes something and nobody blocks it. */
  readonly allowed: boolean;
  readonly blockers: readonly Blocker[];
  readonly blockerGroups: readonly BlockerGroup[];
}

/** Maps a coordinator plan to the documented JSON shape. */
export function planJson(plan: Plan): PlanJson {
  return {
    capability: plan.capability,
    request: plan.request,
    revision: plan.current?.revision ?? 0,
    current: plan.current?.value ?? null,
    next: plan.next,
    newlyRequired: plan.newlyRequired,
    changes: plan.changes,
    allowed: plan.changes && plan.blockers.length === 0,
    blockers: plan.blockers,
    blockerGroups: groupBlockers(plan.blockers),
  };
}
