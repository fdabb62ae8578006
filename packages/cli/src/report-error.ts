import { isTwostepError } from "@twostep/core";
import { FleetErrorCode, type UnsafeChangeError } from "@twostep/fleet";
import type { CliContext } from "./cli-context.js";
import { CliErrorCode } from "./cli-errors.js";
import type { ExitCode } from "./exit-code.js";
import { exitCodeFor } from "./exit-code-for.js";
import { groupBlockers, renderBlockerGroups } from "./render/blocker-groups.js";
import { styleFor } from "./render/style.js";
import { writeJson, writeLines } from "./write-output.js";

/**
 * Shows why a command failed and returns its exit code. A refusal shows the
 * coordinator's problem and its blockers grouped (not one line per node);
 * every other twostep error its message, which says what to do. With
 * `json`, stdout also gets `{ "error": { code, message, exitCode, blockers?, blockerGroups? } }`.
 */
export function reportError(error: unknown, context: CliContext, options: { json: boolean; command?: string }): ExitCode {
  const exitCode = exitCodeFor(error);
  const style = styleFor(context.stderr, context.env);
  if (isTwostepError(error, FleetErrorCode.UnsafeChange)) {
    const refusal = error as UnsafeChangeError;
    const groups = groupBlockers(refusal.blockers);
    const where = refusal.capability === null ? "twostep history" : `twostep history ${refusal.capability}`;
    writeLines(context.stderr, [
      `${style.red("refused")}: ${refusal.problem}`,
      ...renderBlockerGroups(groups, { now: Date.now(), style }).map((line) => `  ${line}`),
      style.dim(`nothing changed; the refusal is recorded (${where})`),
    ]);
    if (options.json)
      writeJson(context.stdout, { error: { code: refusal.code, message: refusal.message, exitCode, blockers: refusal.blockers, blockerGroups: groups } });
    return exitCode;
  }
  if (isTwostepError(error)) {
    const usage = error.code === CliErrorCode.Usage && options.command !== undefined ? `\n${style.dim(`see twostep ${options.command} --help`)}` : "";
    context.stderr.write(`${style.red("error")}: ${error.message}${usage}\n`);
    if (options.json) writeJson(context.stdout, { error: { code: error.code, message: error.message, exitCode } });
    return exitCode;
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  context.stderr.write(`${style.red("unexpected error")} (a bug in twostep; please report it with this output):\n${detail}\n`);
  if (options.json) writeJson(context.stdout, { error: { code: "INTERNAL", message: error instanceof Error ? error.message : String(error), exitCode } });
  return exitCode;
}
