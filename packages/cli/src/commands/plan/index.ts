import { changeAuthor } from "../../change-author.js";
import type { CliContext } from "../../cli-context.js";
import type { ConnectionFlags } from "../../connection-flags.js";
import { type DeclaredFlags, declaredOptions } from "../../declared-levels.js";
import { type EnableFlags, enableWriteRequest } from "../../enable-write-request.js";
import { ExitCode } from "../../exit-code.js";
import { planJson } from "../../json/plan-json.js";
import { renderPlan } from "../../render/plan-view.js";
import { styleFor } from "../../render/style.js";
import { withCoordinator } from "../../with-coordinator.js";
import { view, writeJson, writeView } from "../../write-output.js";

/** Options of {@link plan}. */
export interface PlanOptions extends ConnectionFlags, EnableFlags, DeclaredFlags {
  readonly capability: string;
  readonly level: number;
  readonly json?: boolean;
}

/**
 * `twostep plan <capability> <level>`: what `enable-write` would do and who
 * or what stands in its way, as the coordinator's dry run of the same
 * request; changes and records nothing. Exits 1 when the coordinator would
 * refuse it, so a script can wait for read-readiness with it.
 */
export async function plan(options: PlanOptions, context: CliContext): Promise<ExitCode> {
  const declared = await declaredOptions(options, context.cwd);
  const author = changeAuthor({}, context, "plan", { optional: true });
  const request = enableWriteRequest(options.level, options);
  const found = await withCoordinator(options, context, (coordinator) =>
    coordinator.change(options.capability, request, author, { ...declared, dryRun: true }),
  );
  if (options.json === true) writeJson(context.stdout, planJson(found));
  else
    writeView(
      context.stdout,
      view(found, (safe, style) => renderPlan(safe, { now: safe.at, style })),
      styleFor(context.stdout, context.env),
    );
  return found.refused ? ExitCode.Refused : ExitCode.Ok;
}
