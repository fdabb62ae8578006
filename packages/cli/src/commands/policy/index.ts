import { changeMutation } from "../../change-mutation.js";
import type { CliContext } from "../../cli-context.js";
import type { ExitCode } from "../../exit-code.js";
import { type MutationFlags, runMutation } from "../../run-mutation.js";

/** Options of {@link policy}. */
export interface PolicyOptions extends MutationFlags {
  readonly capability: string;
  /** How long a level must be unwritten before it may be retired, in ms, or the default (1 h). */
  readonly drainWindow: number | "default";
}

/**
 * `twostep policy <capability> --drain-window <duration|default>`: stores
 * the capability's drain window with its record, so every coordinator
 * applies the same one; `status` shows it.
 */
export async function policy(options: PolicyOptions, context: CliContext): Promise<ExitCode> {
  return runMutation(
    options,
    context,
    changeMutation("policy", options.capability, { kind: "policy", drainWindowMs: options.drainWindow === "default" ? null : options.drainWindow }),
  );
}
