import type { CliContext } from "../../../cli-context.js";
import type { ExitCode } from "../../../exit-code.js";
import { type RolloutOptions, rolloutMutation } from "../../../rollout-mutation.js";
import { runMutation } from "../../../run-mutation.js";

/**
 * `twostep rollout pause <capability>`: pauses a rollout under way: the
 * controller leaves it where it stands, and its writers keep writing as they
 * do. `resume` goes on. Recorded in the rollout's change note, with actor
 * and reason.
 */
export async function rolloutPause(options: RolloutOptions, context: CliContext): Promise<ExitCode> {
  return runMutation(options, context, rolloutMutation(options.capability, "pause"));
}
