import type { Ramp } from "@twostep/fleet";
import type { CliContext } from "../../cli-context.js";
import type { ConnectionFlags } from "../../connection-options.js";
import { ExitCode } from "../../exit-code.js";
import { planJson } from "../../json/plan-json.js";
import { rampOptions } from "../../ramp-options.js";
import { renderPlan } from "../../render/plan-view.js";
import { styleFor } from "../../render/style.js";
import { withCoordinator } from "../../with-coordinator.js";
import { writeJson, writeLines } from "../../write-output.js";

/** Options of {@link plan}. */
export interface PlanOptions extends ConnectionFlags {
  readonly capability: string;
  readonly level: number;
  /** Share of writes at `level`; below 100 it plans a ramp. */
  readonly percent?: number;
  readonly by?: Ramp["by"];
  readonly json?: boolean;
}

/**
 * `twostep plan <capability> <level>`: what enabling would do and who blocks
 * it, changing nothing. Exits 1 when the coordinator would refuse it, so a
 * script can wait for read-readiness with it.
 */
export async function plan(options: PlanOptions, context: CliContext): Promise<ExitCode> {
  const [found, at] = await withCoordinator(options, context, async (coordinator, now) => {
    return [await coordinator.plan(options.capability, options.level, rampOptions(options)), now()] as const;
  });
  if (options.json === true) writeJson(context.stdout, planJson(found));
  else writeLines(context.stdout, renderPlan(found, { now: at, style: styleFor(context.stdout, context.env) }));
  return found.changes && found.blockers.length > 0 ? ExitCode.Refused : ExitCode.Ok;
}
