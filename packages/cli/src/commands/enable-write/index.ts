import type { Ramp } from "@twostep/fleet";
import type { CliContext } from "../../cli-context.js";
import type { ExitCode } from "../../exit-code.js";
import { rampOptions } from "../../ramp-options.js";
import { runMutation, type MutationFlags } from "../../run-mutation.js";
import { writeLevelMutation } from "../../write-level-mutation.js";

/** Options of {@link enableWrite}. */
export interface EnableWriteOptions extends MutationFlags {
  readonly capability: string;
  readonly level: number;
  /** Share of writes at `level`; below 100 it starts (or moves) a ramp. Defaults to 100. */
  readonly percent?: number;
  /** What the ramp's share hashes on. Defaults to `key`. */
  readonly by?: Ramp["by"];
}

/**
 * `twostep enable-write <capability> <level>`: sets the write level, or
 * ramps a share of writes to it, once the coordinator finds that every
 * member reads it. Refused (exit 1) with the blockers otherwise.
 */
export async function enableWrite(options: EnableWriteOptions, context: CliContext): Promise<ExitCode> {
  const ramp = rampOptions(options);
  return runMutation(
    options,
    context,
    writeLevelMutation("enable-write", options.capability, { kind: "enable-write", level: options.level, ...ramp }, (coordinator, author) =>
      coordinator.enableWrite(options.capability, options.level, { ...author, ...ramp }),
    ),
  );
}
