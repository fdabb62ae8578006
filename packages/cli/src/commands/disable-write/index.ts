import { changeMutation } from "../../change-mutation.js";
import type { CliContext } from "../../cli-context.js";
import type { ExitCode } from "../../exit-code.js";
import { type MutationFlags, runMutation } from "../../run-mutation.js";

/** Options of {@link disableWrite}. */
export interface DisableWriteOptions extends MutationFlags {
  readonly capability: string;
  /** The level to go back to. Defaults to the highest lower level ever written and not retired. */
  readonly to?: number;
}

/**
 * `twostep disable-write <capability>`: rolls writers back, dropping the
 * ramp if there is one, else setting the level back. The level left stays
 * ever-written: its readers stay required until it is retired.
 */
export async function disableWrite(options: DisableWriteOptions, context: CliContext): Promise<ExitCode> {
  const to = options.to === undefined ? {} : { to: options.to };
  return runMutation(options, context, changeMutation("disable-write", options.capability, { kind: "disable-write", ...to }));
}
