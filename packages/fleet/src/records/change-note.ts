import { z } from "zod";
import { blockerSchema } from "./blocker.js";
import { openEnum, type RecordOf } from "./schema-types.js";

/**
 * What a recorded change did:
 * - `enable-write`, `disable-write`, `retire`: the requests of a release manager;
 * - `intent`: the first step of a change that newly requires levels (see {@link Intent});
 * - `withdraw`: an intent taken back because a member that does not read its levels appeared;
 * - `guard-revert`: a ramp dropped by a guard or a rollout gate;
 * - `adopt`: the first write level of a capability set on traffic that existed before twostep;
 * - `forget`: a record removed that no member reads or writes;
 * - `policy`: the drain window (or other policy) changed;
 * - `init`, `reconcile`: the control plane's identity set up, or rebuilt after its store went backwards;
 * - `rewrite-format`: a record written again in the record format the fleet reads;
 * - `decommission`: a member removed;
 * - `refused`: a change refused, with its blockers.
 * Newer twostep builds may add actions; readers show unknown ones as they are.
 */
export type ChangeAction = (typeof CHANGE_ACTIONS)[number];

const CHANGE_ACTIONS = [
  "enable-write",
  "disable-write",
  "retire",
  "intent",
  "withdraw",
  "guard-revert",
  "adopt",
  "forget",
  "policy",
  "init",
  "reconcile",
  "rewrite-format",
  "decommission",
  "refused",
] as const;

/** Who asks for a change, and why. Both are recorded. */
export interface ChangeAuthor {
  readonly actor: string;
  readonly reason: string;
}

/** The longest actor and reason accepted, in characters: checked before anything changes. */
export const AUTHOR_LIMITS = { actor: 200, reason: 2_000 } as const;

/** Blockers kept in a change note; the rest are counted. */
export const RECORDED_BLOCKERS = 50;

/** The zod schema of a {@link ChangeNote}. */
export const changeNoteSchema = z.looseObject({
  /** Unique id of the change. */
  id: z.string().min(1),
  action: openEnum(CHANGE_ACTIONS),
  actor: z.string(),
  reason: z.string(),
  /** What was asked, in words (`enable v2 at 10% by key`). */
  request: z.string(),
  /** When the coordinator made it, ms since the epoch, on its clock (the store's own time is the entry's). */
  at: z.number(),
  /** The revision of the key before this write (0: none). */
  revisionBefore: z.number().int().min(0),
  /** The blockers seen (refusals, withdrawals), at most {@link RECORDED_BLOCKERS}. */
  blockers: z.array(blockerSchema),
  /** How many blockers there were in all. */
  blockerCount: z.number().int().min(0),
});

/**
 * The audit entry of a change, stored in the same write as the change
 * itself: a change cannot happen unrecorded, even when its coordinator dies
 * right after.
 */
export type ChangeNote = RecordOf<typeof changeNoteSchema>;
