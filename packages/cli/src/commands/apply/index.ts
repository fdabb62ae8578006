import { isTwostepError } from "@twostep/core";
import { type Change, type ChangeAuthor, type Coordinator, FleetErrorCode, type UnsafeChangeError, type WriteLevelRequest } from "@twostep/fleet";
import type { CliContext } from "../../cli-context.js";
import { type DeclaredFlags, type DeclaredOptions, declaredOptions } from "../../declared-levels.js";
import { enableWriteRequest } from "../../enable-write-request.js";
import { ExitCode } from "../../exit-code.js";
import { exitCodeFor } from "../../exit-code-for.js";
import { type ChangeJson, changeJson } from "../../json/change-json.js";
import { planJson } from "../../json/plan-json.js";
import { type BlockerGroup, groupBlockers, renderBlockerGroups } from "../../render/blocker-groups.js";
import { renderChange } from "../../render/change-view.js";
import { renderPlan, wouldRefuse } from "../../render/plan-view.js";
import type { Style } from "../../render/style.js";
import { type MutationFlags, runMutation } from "../../run-mutation.js";
import { view } from "../../write-output.js";
import { readApplyFile } from "./apply-file.js";

/** Options of {@link apply}. */
export interface ApplyOptions extends MutationFlags, DeclaredFlags {
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

/** One capability's outcome, and what the text output shows of it. */
type Applied =
  | { readonly result: ApplyResult; readonly change: Change }
  | { readonly result: ApplyResult; readonly refused: { readonly problem: string; readonly groups: readonly BlockerGroup[] } };

/**
 * `twostep apply <file>`: brings write levels to what a declarative file
 * says, each capability stated once as an `enable-write` request that
 * `Coordinator.change` answers as a dry run for the preview and makes for
 * the commit, with the checks of `enable-write`. Prints the plan of every
 * capability, then enables what is not yet in force, in file order; a
 * capability the coordinator refuses is reported (and recorded) and the
 * others still go ahead, with exit 1. Idempotent: a second run changes
 * nothing and says so.
 */
export async function apply(options: ApplyOptions, context: CliContext): Promise<ExitCode> {
  const file = await readApplyFile(options.file);
  const declared = await declaredOptions(options, context.cwd);
  const requests = Object.entries(file.levels).map(([capability, wanted]) => ({ capability, request: enableWriteRequest(wanted.write, wanted) }));
  return runMutation(options, context, {
    command: "apply",
    what: `apply ${options.file}`,
    async preview(coordinator, author, now) {
      const plans = await Promise.all(
        requests.map(({ capability, request }) => coordinator.change(capability, request, author, { ...declared, dryRun: true })),
      );
      const at = await now();
      const changing = plans.filter((plan) => plan.changes);
      const summary =
        changing.length === 0
          ? `nothing to apply: every level in ${options.file} is already in force`
          : `${changing.length} to change, ${plans.length - changing.length} already in force`;
      return {
        view: view({ plans, summary }, (safe, style) => [...safe.plans.flatMap((plan) => renderPlan(plan, { now: at, style })), style.bold(safe.summary)]),
        json: { file: options.file, plans: plans.map(planJson) },
        changes: changing.length > 0,
        refused: changing.length > 0 && changing.every(wouldRefuse),
      };
    },
    async commit(coordinator, author, now) {
      const applied: Applied[] = [];
      for (const { capability, request } of requests) applied.push(await applyOne(coordinator, capability, request, author, declared));
      const results = applied.map((one) => one.result);
      const count = (outcome: ApplyResult["outcome"]) => results.filter((result) => result.outcome === outcome).length;
      const summary = `applied ${count("changed")}, already in force ${count("in-force")}, refused ${count("refused")}`;
      const at = await now();
      return {
        view: view({ applied, summary }, (safe, style) => [...safe.applied.flatMap((one) => appliedLines(one, at, style)), style.bold(safe.summary)]),
        json: { results, changed: count("changed"), inForce: count("in-force"), refused: count("refused") },
        exitCode: count("refused") > 0 ? ExitCode.Refused : ExitCode.Ok,
      };
    },
  });
}

async function applyOne(
  coordinator: Coordinator,
  capability: string,
  request: WriteLevelRequest,
  author: ChangeAuthor,
  declared: DeclaredOptions,
): Promise<Applied> {
  try {
    const change = await coordinator.change(capability, request, author, declared);
    return { result: { capability, outcome: change.changed ? "changed" : "in-force", change: changeJson(change), error: null }, change };
  } catch (error) {
    // A refusal or a lost race stops this capability only; anything else stops the apply.
    if (!isTwostepError(error) || exitCodeFor(error) !== ExitCode.Refused) throw error;
    const refusal = error.code === FleetErrorCode.UnsafeChange ? (error as UnsafeChangeError) : undefined;
    const blockers = refusal?.blockers ?? [];
    return {
      result: { capability, outcome: "refused", change: null, error: { code: error.code, message: error.message, blockers } },
      refused: { problem: refusal?.problem ?? `${capability}: ${error.message}`, groups: groupBlockers(blockers) },
    };
  }
}

function appliedLines(applied: Applied, now: number, style: Style): string[] {
  if ("change" in applied) return renderChange(applied.change, style);
  return [
    `${style.red("refused")}: ${applied.refused.problem}`,
    ...renderBlockerGroups(applied.refused.groups, { now, style, groups: 3 }).map((line) => `  ${line}`),
  ];
}
