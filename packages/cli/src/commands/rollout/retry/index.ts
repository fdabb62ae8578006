import type { CliContext } from "../../../cli-context.js";
import type { ExitCode } from "../../../exit-code.js";
import { type RolloutOptions, rolloutMutation } from "../../../rollout-mutation.js";
import { runMutation } from "../../../run-mutation.js";

/**
 * `twostep rollout retry <capability>`: starts the step at which a rollout
 * failed or was aborted again: the controller applies it at its next look.
 * Recorded in the rollout's change note, with actor and reason.
 */
export async function rolloutRetry(options: RolloutOptions, context: CliContext): Promise<ExitCode> {
  return runMutation(options, context, rolloutMutation(options.capability, "retry"));
}
