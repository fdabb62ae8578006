import { isTwostepError } from "@twostep/core";
import { FleetErrorCode, type StoreRegressedError, type UnsafeChangeError } from "@twostep/fleet";
import type { CliContext } from "./cli-context.js";
import { CliErrorCode } from "./cli-errors.js";
import type { ExitCode } from "./exit-code.js";
import { exitCodeFor } from "./exit-code-for.js";
import { groupBlockers, renderBlockerGroups } from "./render/blocker-groups.js";
import { styleFor } from "./render/style.js";
import { view, writeJson, writeView } from "./write-output.js";

/**
 * Shows why a command failed and returns its exit code. A refusal shows the
 * coordinator's problem and its blockers grouped (not one line per node);
 * every other twostep error its message, which says what to do. Text is
 * made terminal-safe like every view. With `json`, stdout also gets
 * `{ "error": { code, message, exitCode, blockers?, blockerGroups?, evidence? } }`.
 */
export function reportError(error: unknown, context: CliContext, options: { json: boolean; command?: string }): ExitCode {
  const exitCode = exitCodeFor(error);
  const style = styleFor(context.stderr, context.env);
  if (isTwostepError(error, FleetErrorCode.UnsafeChange)) {
    const refusal = error as UnsafeChangeError;
    const groups = groupBlockers(refusal.blockers);
    const refused = { capability: refusal.capability, problem: refusal.problem, groups };
    const shown = view(refused, (safe, paint) => [
      `${paint.red("refused")}: ${safe.problem}`,
      ...renderBlockerGroups(safe.groups, { now: context.clock(), style: paint }).map((line) => `  ${line}`),
      paint.dim(`nothing changed; the refusal is recorded (${safe.capability === null ? "twostep history" : `twostep history ${safe.capability}`})`),
    ]);
    writeView(context.stderr, shown, style);
    if (options.json)
      writeJson(context.stdout, { error: { code: refusal.code, message: refusal.message, exitCode, blockers: refusal.blockers, blockerGroups: groups } });
    return exitCode;
  }
  if (isTwostepError(error)) {
    const usage = error.code === CliErrorCode.Usage && options.command !== undefined;
    // Split first: the message's own line breaks stay, and any other control character is escaped.
    const [first = "", ...rest] = error.message.split("\n");
    const shown = view({ first, rest, command: options.command ?? "" }, (safe, paint) => [
      `${paint.red("error")}: ${safe.first}`,
      ...safe.rest,
      ...(usage ? [paint.dim(`see twostep ${safe.command} --help`)] : []),
    ]);
    writeView(context.stderr, shown, style);
    const evidence = error.code === FleetErrorCode.StoreRegressed ? { evidence: (error as StoreRegressedError).evidence } : {};
    if (options.json) writeJson(context.stdout, { error: { code: error.code, message: error.message, exitCode, ...evidence } });
    return exitCode;
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  const lines = detail.split("\n");
  writeView(
    context.stderr,
    view(lines, (safe, paint) => [`${paint.red("unexpected error")} (a bug in twostep; please report it with this output):`, ...safe]),
    style,
  );
  if (options.json) writeJson(context.stdout, { error: { code: "INTERNAL", message: error instanceof Error ? error.message : String(error), exitCode } });
  return exitCode;
}
