import type { CliContext } from "../../../cli-context.js";
import type { ExitCode } from "../../../exit-code.js";
import { type RolloutOptions, rolloutMutation } from "../../../rollout-mutation.js";
import { runMutation } from "../../../run-mutation.js";

/**
 * `twostep rollout promote <capability>`: moves a rollout to its next step
 * now, without waiting for the bake (the gates still judge that step);
 * promoting the last step ends it (`done`). Refused before the step in force
 * was applied. Recorded in the rollout's change note, with actor and reason.
 */
export async function rolloutPromote(options: RolloutOptions, context: CliContext): Promise<ExitCode> {
  return runMutation(options, context, rolloutMutation(options.capability, "promote"));
}
