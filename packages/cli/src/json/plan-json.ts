import type { Blocker, Plan, WriteLevelRecord } from "@twostep/fleet";
import { groupBlockers, type BlockerGroup } from "../render/blocker-groups.js";

/** `twostep plan --json`, and the `plan` of a `--json` change (docs/cli.md). */
export interface PlanJson {
  readonly capability: string;
  /** The request in words: `enable v2 at 10% by key where zone=a`. */
  readonly request: string;
  /** Revision of the current record; 0 when there is none. */
  readonly revision: number;
  readonly current: WriteLevelRecord | null;
  /** The record the change would lead to; null for `forget`. */
  readonly next: WriteLevelRecord | null;
  /** Levels the change newly requires every member to read. */
  readonly newlyRequired: readonly number[];
  /** Members that take part in the capability: 0 is most likely a typo. */
  readonly participants: number;
  /** False when the request is already in force. */
  readonly changes: boolean;
  /** True when it changes something and neither a blocker nor a problem stands in its way. */
  readonly allowed: boolean;
  /** Why it would be refused besides its blockers (an undeclared level, a drain window), in words. */
  readonly problems: readonly string[];
  readonly blockers: readonly Blocker[];
  readonly blockerGroups: readonly BlockerGroup[];
}

/** Maps a coordinator plan (a dry run of `change`) to the documented JSON shape. */
export function planJson(plan: Plan): PlanJson {
  return {
    capability: plan.capability,
    request: plan.request,
    revision: plan.current?.revision ?? 0,
    current: plan.current?.value ?? null,
    next: plan.next,
    newlyRequired: plan.newlyRequired,
    participants: plan.participants,
    changes: plan.changes,
    allowed: plan.changes && !plan.refused,
    problems: plan.problems,
    blockers: plan.blockers,
    blockerGroups: groupBlockers(plan.blockers),
  };
}
