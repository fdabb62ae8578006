import type { CliContext } from "../../../cli-context.js";
import type { ExitCode } from "../../../exit-code.js";
import { type RolloutOptions, rolloutMutation } from "../../../rollout-mutation.js";
import { runMutation } from "../../../run-mutation.js";

/**
 * `twostep rollout abort <capability>`: aborts a rollout: its writers go
 * back first (the ramp to the target dropped, or the level set back to where
 * the plan started), through the coordinator, then the plan stops. The dry
 * run shows the revert. Recorded in the rollout's change note, with actor
 * and reason.
 */
export async function rolloutAbort(options: RolloutOptions, context: CliContext): Promise<ExitCode> {
  return runMutation(options, context, rolloutMutation(options.capability, "abort"));
}
