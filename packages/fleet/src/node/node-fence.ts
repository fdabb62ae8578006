import { type BuildRecord, takesPart } from "../records/build-record.js";
import { inRange } from "../records/level-range.js";
import { committedLevels } from "../records/write-level-record.js";
import type { HeldRecord } from "./held-records.js";

/** Why a node does not write, in words, and whether only a restart ends it. */
export interface Fence {
  readonly why: string;
  readonly fix: string;
  readonly permanent: boolean;
}

/** The fence of a node that has stopped. */
export const STOPPED: Fence = { why: "it has stopped", fix: "start a new node", permanent: true };

/** The fence of a node that found records the store lost, until a heartbeat says so and marks its node id for joining nodes. */
export const UNMARKED: Fence = {
  why: "it holds records the store lost, and no heartbeat has said so yet",
  fix: "it writes again once a heartbeat that says so is stored",
  permanent: false,
};

/** The fence of a decommissioned node (`by`: who decommissioned it, when known): only a new process ends it. */
export function decommissionedFence(by: string | undefined): Fence {
  return { why: `it was decommissioned${by === undefined ? "" : ` by ${by}`}`, fix: "start it again: a new process joins as a new member", permanent: true };
}

/** The fence of a node whose lease ran out: it lifts once a heartbeat is acknowledged. */
export function leaseFence(leaseMs: number): Fence {
  return {
    why: `its lease ran out (no heartbeat acknowledged for ${Math.round(leaseMs / 1000)} s)`,
    fix: "it writes again once a heartbeat reaches the control plane",
    permanent: false,
  };
}

/** The fence of a held record: a committed required level this build cannot read fences it (an intent does not: it may be withdrawn). */
export function recordFence(build: BuildRecord, { record }: HeldRecord): Fence | undefined {
  if (!takesPart(build, record.capability)) return undefined;
  const reads = build.capabilities[record.capability]?.reads;
  const unread = committedLevels(record).filter((level) => !inRange(reads, level));
  if (unread.length === 0) return undefined;
  return {
    why: `the fleet requires ${record.capability} ${unread.map((level) => `v${level}`).join(", ")}, which this build cannot read`,
    fix: "restart it on a build that reads what the fleet writes",
    permanent: false,
  };
}
