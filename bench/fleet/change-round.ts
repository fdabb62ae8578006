import type { FollowSetup } from "./follow-setup.js";
import type { NodePool } from "./node-pool.js";
import { preciseNow, type Side } from "./worker-protocol.js";

/** One change must reach every follower within this. */
const ROUND_TIMEOUT_MS = 60_000;
/** The pause after a change: the followers' own work (applying, replanning) settles before the next one. */
const SETTLE_MS = 50;

/**
 * One round of a follow bench: writes a change on `side`, waits until every
 * follower of that side in `pool` has it, then pauses {@link SETTLE_MS};
 * returns the ms from the write to the last follower.
 */
export async function changeRound(setup: FollowSetup, pool: NodePool, side: Side): Promise<number> {
  const start = preciseNow();
  const revision = await (side === "twostep" ? setup.flipTwostep() : setup.flipRaw());
  const reached = await pool.reached(side, revision, ROUND_TIMEOUT_MS);
  pool.forget(side, revision);
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  return reached - start;
}
