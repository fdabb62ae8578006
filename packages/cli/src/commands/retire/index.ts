import type { CliContext } from "../../cli-context.js";
import type { ExitCode } from "../../exit-code.js";
import { runMutation, type MutationFlags } from "../../run-mutation.js";
import { writeLevelMutation } from "../../write-level-mutation.js";

/** Options of {@link retire}. */
export interface RetireOptions extends MutationFlags {
  readonly capability: string;
  readonly level: number;
}

/**
 * `twostep retire <capability> <level>`: declares a level no longer written
 * and drained, so builds may drop its reader. Refused while a writer uses it
 * or inside its drain window.
 */
export async function retire(options: RetireOptions, context: CliContext): Promise<ExitCode> {
  return runMutation(
    options,
    context,
    writeLevelMutation("retire", options.capability, { kind: "retire", level: options.level }, (coordinator, author) =>
      coordinator.retire(options.capability, options.level, author),
    ),
  );
}
