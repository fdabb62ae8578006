import { isTwostepError } from "@twostep/core";
import { FleetErrorCode, type Coordinator, type EnableOptions, type Plan, type UnsafeChangeError } from "@twostep/fleet";
import type { CliContext } from "../../cli-context.js";
import { ExitCode } from "../../exit-code.js";
import { exitCodeFor } from "../../exit-code-for.js";
import { changeJson, type ChangeJson } from "../../json/change-json.js";
import { planJson } from "../../json/plan-json.js";
import { groupBlockers, renderBlockerGroups } from "../../render/blocker-groups.js";
import { renderChange } from "../../render/change-view.js";
import { renderPlan } from "../../render/plan-view.js";
import type { Style } from "../../render/style.js";
import { rampOptions } from "../../ramp-options.js";
import { runMutation, type MutationFlags } from "../../run-mutation.js";
import { readApplyFile } from "./apply-file.js";

/** Options of {@link apply}. */
export interface ApplyOptions extends MutationFlags {
  /** Path of the apply file (docs/cli.md). */
  readonly file: string;
}

/** What happened to one capability of an apply file. */
export interface ApplyResult {
  readonly capability: string;
  readonly outcome: "changed" | "in-force" | "refused";
  readonly change: ChangeJson | null;
  /** Why it was refused: the error's code, message and blockers. */
  readonly error: { readonly code: string; readonly message: string; readonly blockers: readonly unknown[] } | null;
}

/**
 * `twostep apply <file>`: brings write levels to what a declarative file
 * says, through the same coordinator checks as `enable-write`. Prints the
 * plan of every capability, then enables what is not yet in force, in file
 * order; a capability the coordinator refuses is reported (and recorded)
 * and the others still go ahead, with exit 1. Idempotent: a second run
 * changes nothing and says so.
 */
export async function apply(options: ApplyOptions, context: CliContext): Promise<ExitCode> {
  const file = await readApplyFile(options.file);
  const entries = Object.entries(file.levels);
  return runMutation(options, context, {
    command: "apply",
    what: `apply ${options.file}`,
    async preview(coordinator, style, now) {
      const plans = await Promise.all(entries.map(([capability, wanted]) => coordinator.plan(capability, wanted.write, rampOptions(wanted))));
      const changing = plans.filter((plan) => plan.changes);
      const summary =
        changing.length === 0
          ? `nothing to apply: every level in ${options.file} is already in force`
          : `${changing.length} to change, ${plans.length - changing.length} already in force`;
      return {
        lines: [...plans.flatMap((plan) => renderPlan(plan, { now: now(), style })), style.bold(summary)],
        json: { file: options.file, plans: plans.map(planJson) },
        changes: changing.length > 0,
        blocked: changing.length > 0 && changing.every(isBlocked),
      };
    },
    async commit(coordinator, author, style, now) {
      const results: ApplyResult[] = [];
      const lines: string[] = [];
      for (const [capability, wanted] of entries) {
        const applied = await applyOne(coordinator, capability, wanted.write, { ...author, ...rampOptions(wanted) }, style, now);
        results.push(applied.result);
        lines.push(...applied.lines);
      }
      const count = (outcome: ApplyResult["outcome"]) => results.filter((result) => result.outcome === outcome).length;
      lines.push(style.bold(`applied ${count("changed")}, already in force ${count("in-force")}, refused ${count("refused")}`));
      return {
        lines,
        json: { results, changed: count("changed"), inForce: count("in-force"), refused: count("refused") },
        exitCode: count("refused") > 0 ? ExitCode.Refused : ExitCode.Ok,
      };
    },
  });
}

function isBlocked(plan: Plan): boolean {
  return plan.blockers.length > 0;
}

async function applyOne(
  coordinator: Coordinator,
  capability: string,
  level: number,
  options: EnableOptions,
  style: Style,
  now: () => number,
): Promise<{ result: ApplyResult; lines: string[] }> {
  try {
    const change = await coordinator.enableWrite(capability, level, options);
    return {
      result: { capability, outcome: change.changed ? "changed" : "in-force", change: changeJson(change), error: null },
      lines: renderChange(change, style),
    };
  } catch (error) {
    // A refusal or a lost race stops this capability only; anything else stops the apply.
    if (!isTwostepError(error) || exitCodeFor(error) !== ExitCode.Refused) throw error;
    const refusal = error.code === FleetErrorCode.UnsafeChange ? (error as UnsafeChangeError) : undefined;
    const blockers = refusal?.blockers ?? [];
    return {
      result: { capability, outcome: "refused", change: null, error: { code: error.code, message: error.message, blockers } },
      lines: [
        `${style.red("refused")}: ${capability}: ${refusal?.problem ?? error.message}`,
        ...renderBlockerGroups(groupBlockers(blockers), { now: now(), style, groups: 3 }).map((line) => `  ${line}`),
      ],
    };
  }
}
