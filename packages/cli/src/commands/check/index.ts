import { runCheck } from "@twostep/check";
import type { CliContext } from "../../cli-context.js";
import { connectionOptions } from "../../connection-options.js";
import type { ExitCode } from "../../exit-code.js";

/**
 * `twostep check ...`: the CI gate of `@twostep/check`, given the arguments
 * after `check` as they are (it parses its own). `--fleet URL` connects to the
 * NATS control plane there with read-only needs, taking credentials and the
 * bucket prefix from the environment like every other command. Exit codes are check's: 0
 * clean, 1 violations, 2 bad usage or unreadable input.
 */
export async function check(args: readonly string[], context: CliContext): Promise<ExitCode> {
  const result = await runCheck(args, {
    stdout: context.stdout,
    stderr: context.stderr,
    connectFleet: (url) => context.connect(connectionOptions({ nats: url }, context.env, false)),
  });
  return result.exitCode as ExitCode;
}
