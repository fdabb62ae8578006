import type { CliContext } from "../../../cli-context.js";
import type { ExitCode } from "../../../exit-code.js";
import { type RolloutOptions, rolloutMutation } from "../../../rollout-mutation.js";
import { runMutation } from "../../../run-mutation.js";

/**
 * `twostep rollout resume <capability>`: resumes a paused rollout where it
 * stands. Recorded in the rollout's change note, with actor and reason.
 */
export async function rolloutResume(options: RolloutOptions, context: CliContext): Promise<ExitCode> {
  return runMutation(options, context, rolloutMutation(options.capability, "resume"));
}
