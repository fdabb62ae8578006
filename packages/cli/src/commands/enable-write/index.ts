import { changeMutation } from "../../change-mutation.js";
import type { CliContext } from "../../cli-context.js";
import { type DeclaredFlags, declaredOptions } from "../../declared-levels.js";
import { type EnableFlags, enableWriteRequest } from "../../enable-write-request.js";
import type { ExitCode } from "../../exit-code.js";
import { type MutationFlags, runMutation } from "../../run-mutation.js";

/** Options of {@link enableWrite}. */
export interface EnableWriteOptions extends MutationFlags, EnableFlags, DeclaredFlags {
  readonly capability: string;
  readonly level: number;
}

/**
 * `twostep enable-write <capability> <level>`: sets the write level, or
 * ramps a share of writes (of the nodes whose labels match `--where`) to
 * it, once the coordinator finds that every member reads it. Refused
 * (exit 1) with the blockers or problems otherwise.
 */
export async function enableWrite(options: EnableWriteOptions, context: CliContext): Promise<ExitCode> {
  const declared = await declaredOptions(options, context.cwd);
  return runMutation(options, context, changeMutation("enable-write", options.capability, enableWriteRequest(options.level, options), declared));
}
