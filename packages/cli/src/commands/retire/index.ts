import { changeMutation } from "../../change-mutation.js";
import type { CliContext } from "../../cli-context.js";
import type { ExitCode } from "../../exit-code.js";
import { type MutationFlags, runMutation } from "../../run-mutation.js";

/** Options of {@link retire}. */
export interface RetireOptions extends MutationFlags {
  readonly capability: string;
  readonly level: number;
}

/**
 * `twostep retire <capability> <level>`: declares a level no longer written
 * and drained, so builds may drop its reader. Refused while a writer may
 * still write it, or inside the capability's drain window.
 */
export async function retire(options: RetireOptions, context: CliContext): Promise<ExitCode> {
  return runMutation(options, context, changeMutation("retire", options.capability, { kind: "retire", level: options.level }));
}
