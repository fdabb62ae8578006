import { changeMutation } from "../../change-mutation.js";
import type { CliContext } from "../../cli-context.js";
import type { ExitCode } from "../../exit-code.js";
import { type MutationFlags, runMutation } from "../../run-mutation.js";

/** Options of {@link forget}. */
export interface ForgetOptions extends MutationFlags {
  readonly capability: string;
}

/**
 * `twostep forget <capability>`: removes the record of a capability that no
 * member reads or writes (a typo enabled with `--allow-undeclared`, a type
 * every build dropped); recorded like any change. Refused while a member's
 * build declares it.
 */
export async function forget(options: ForgetOptions, context: CliContext): Promise<ExitCode> {
  return runMutation(options, context, changeMutation("forget", options.capability, { kind: "forget" }));
}
