import { changeMutation } from "../../change-mutation.js";
import type { CliContext } from "../../cli-context.js";
import { type DeclaredFlags, declaredOptions } from "../../declared-levels.js";
import type { ExitCode } from "../../exit-code.js";
import { type MutationFlags, runMutation } from "../../run-mutation.js";

/** Options of {@link adopt}. */
export interface AdoptOptions extends MutationFlags, DeclaredFlags {
  readonly capability: string;
  readonly level: number;
}

/**
 * `twostep adopt <capability> <level>`: the first write level of a
 * capability whose writers wrote `level` before twostep ran, set
 * explicitly, recorded, and checked like any enable (every member must
 * read it; the level must be declared by a member, the manifest, or
 * `--allow-undeclared`). Refused once the capability has a write level.
 */
export async function adopt(options: AdoptOptions, context: CliContext): Promise<ExitCode> {
  const declared = await declaredOptions(options, context.cwd);
  return runMutation(options, context, changeMutation("adopt", options.capability, { kind: "adopt", level: options.level }, declared));
}
