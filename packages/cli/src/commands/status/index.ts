import type { Coordinator } from "@twostep/fleet";
import type { CliContext } from "../../cli-context.js";
import { UsageError } from "../../cli-errors.js";
import type { ConnectionFlags } from "../../connection-flags.js";
import { ExitCode } from "../../exit-code.js";
import { fleetSummaryJson } from "../../json/fleet-summary-json.js";
import { statusJson } from "../../json/status-json.js";
import { hasNothingToActOn, SHOWN_IN_FULL_UP_TO } from "../../render/quiet-capability.js";
import { renderStatus } from "../../render/status-view.js";
import { styleFor } from "../../render/style.js";
import { withCoordinator } from "../../with-coordinator.js";
import { view, writeJson, writeView } from "../../write-output.js";

/** Options of {@link status}. */
export interface StatusOptions extends ConnectionFlags {
  /** Show only this capability. */
  readonly capability?: string;
  /** Group the members, and the blockers of each next level, by this label's value. */
  readonly by?: string;
  readonly json?: boolean;
  /** With `json`: the members counted by kind, not listed (`fleetSummaryJson`). */
  readonly summary?: boolean;
}

/**
 * `twostep status [capability] [--by LABEL | --json --summary]`: the control plane's
 * identity, epoch and what is wrong with its store; per capability the
 * write state, drain window, readers per level, who applied its record and
 * who blocks the next level; the members grouped by service and build, or
 * with `--by` by a label's value (the blockers too). Changes nothing.
 * A capability that no member declares and that has no record is a usage
 * error (a typo, most likely).
 */
export async function status(options: StatusOptions, context: CliContext): Promise<ExitCode> {
  if (options.summary === true && options.json !== true) throw new UsageError("--summary goes with --json: the text view counts the members already");
  if (options.summary === true && options.by !== undefined) throw new UsageError("--summary does not group by a label: leave out --by or --summary");
  const { fleet, plans } = await withCoordinator(options, context, async (coordinator) => {
    const fleet = await coordinator.status(options.capability);
    // The text of many capabilities lists those with nothing to act on a line each, never one whose rollout plan is under way: only then are the plans read.
    const listsQuiet =
      options.json !== true &&
      options.capability === undefined &&
      fleet.capabilities.length > SHOWN_IN_FULL_UP_TO &&
      fleet.capabilities.some(hasNothingToActOn);
    return { fleet, plans: listsQuiet ? await plansUnderWay(coordinator) : undefined };
  });
  if (options.capability !== undefined && fleet.capabilities.length === 0) {
    throw new UsageError(`no capability named ${options.capability}: no member's build declares it and it has no record (twostep status lists them)`);
  }
  if (options.json === true)
    writeJson(context.stdout, options.summary === true ? fleetSummaryJson(fleet, options.capability) : statusJson(fleet, options.capability, options.by));
  else {
    // The names asked for and the plans' are made safe with the status, so that they are compared with the names the view shows.
    const shown = { status: fleet, capability: options.capability ?? null, by: options.by ?? null, plans: plans === undefined ? null : [...plans] };
    writeView(
      context.stdout,
      view(shown, (safe, style) =>
        renderStatus(safe.status, {
          ...(safe.capability === null ? {} : { capability: safe.capability }),
          ...(safe.by === null ? {} : { by: safe.by }),
          ...(safe.plans === null ? {} : { plans: new Set(safe.plans) }),
          style,
        }),
      ),
      styleFor(context.stdout, context.env),
    );
  }
  return ExitCode.Ok;
}

/**
 * The capabilities whose rollout plan is not done or aborted; undefined when
 * the plans cannot all be read (then every capability is shown in full:
 * nothing is taken as having no plan).
 */
async function plansUnderWay(coordinator: Coordinator): Promise<ReadonlySet<string> | undefined> {
  const listed = await coordinator
    .rollouts()
    .list()
    .catch(() => undefined);
  if (listed === undefined || listed.unreadable.length > 0) return undefined;
  return new Set(listed.rollouts.filter(({ rollout }) => rollout.state !== "done" && rollout.state !== "aborted").map(({ rollout }) => rollout.capability));
}
