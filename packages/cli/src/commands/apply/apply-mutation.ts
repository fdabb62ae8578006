import { isTwostepError } from "@twostep/core";
import { type Change, type ChangeAuthor, type Coordinator, FleetErrorCode, type Plan, type UnsafeChangeError, type WriteLevelRequest } from "@twostep/fleet";
import type { HeldBackError } from "../../cli-errors.js";
import type { DeclaredOptions } from "../../declared-levels.js";
import { ExitCode } from "../../exit-code.js";
import { exitCodeFor } from "../../exit-code-for.js";
import { type ChangeJson, changeJson } from "../../json/change-json.js";
import { planJson } from "../../json/plan-json.js";
import { alignColumns } from "../../render/align-columns.js";
import { type BlockerGroup, groupBlockers, renderBlockerGroups } from "../../render/blocker-groups.js";
import { renderChange } from "../../render/change-view.js";
import { renderPlan } from "../../render/plan-view.js";
import type { Style } from "../../render/style.js";
import type { Mutation } from "../../run-mutation.js";
import { view } from "../../write-output.js";

/** One capability's change in an apply: a request, sent as a dry run for the preview and for real for the commit. */
export interface ApplyStep {
  readonly capability: string;
  readonly request: WriteLevelRequest;
  /** Why it is held back without asking the coordinator (`apply --manifest`'s own rules), or undefined. */
  readonly held?: HeldBackError;
}

/** Something an apply leaves as it is, and why: shown with the preview. */
export interface LeftAlone {
  readonly capability: string;
  /** `no-write-target`: a manifest type without one; `not-in-manifest`: a capability of the fleet the manifest does not declare; `retirement`: a level the manifest retires and the fleet still requires (apply never retires). */
  readonly why: "no-write-target" | "not-in-manifest" | "retirement";
  /** The level concerned, for a retirement; else null. */
  readonly level: number | null;
  /** In words, for people. */
  readonly detail: string;
}

/** What an apply brings the fleet to: a file's levels, or a manifest's write targets. */
export interface ApplySource {
  /** The file applied, as given: named in the prompt and the summary. */
  readonly path: string;
  /** What the `plan` of `--json` calls the file: `file` or `manifest`. */
  readonly kind: "file" | "manifest";
  /** What counts as declared for the coordinator. */
  readonly declared: DeclaredOptions;
  /** The steps on the fleet as it is, and what is left alone (null when the form leaves nothing alone). */
  plan(coordinator: Coordinator): Promise<{ readonly steps: readonly ApplyStep[]; readonly leftAlone: readonly LeftAlone[] | null }>;
  /** The same steps, held back or not on the fleet as it is now: the fleet may have changed since the preview. */
  recheck(coordinator: Coordinator, steps: readonly ApplyStep[]): Promise<readonly ApplyStep[]>;
}

/** What happened to one capability of an apply. */
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
 * `twostep apply` as one change: the preview is the coordinator's dry run of
 * every step (a held step shows why as a problem of its plan) and what is
 * left alone; the commit sends each step in order, held ones excepted, and
 * reports each outcome. A capability refused (by the coordinator, or held)
 * is reported, the others still go ahead, with exit 1.
 */
export function applyMutation(source: ApplySource): Mutation {
  let previewed: readonly ApplyStep[] = [];
  // The latest time the control plane told (with a read of the fleet), for the ages of a refusal's blockers.
  let told = 0;
  return {
    command: "apply",
    what: `apply ${source.path}`,
    async preview(coordinator, author) {
      const { steps, leftAlone } = await source.plan(coordinator);
      previewed = steps;
      const plans = await Promise.all(steps.map((step) => previewStep(coordinator, step, author, source.declared)));
      told = Math.max(told, ...plans.map((plan) => plan.at));
      const changing = plans.filter((plan) => plan.changes);
      const summary =
        changing.length === 0
          ? `nothing to apply: every ${source.kind === "file" ? "level" : "write target"} in ${source.path} is already in force`
          : `${changing.length} to change, ${plans.length - changing.length} already in force`;
      return {
        view: view({ plans, leftAlone: leftAlone ?? [], summary }, (safe, style) => [
          ...safe.plans.flatMap((plan) => renderPlan(plan, { now: plan.at, style })),
          ...leftAloneLines(safe.leftAlone, style),
          style.bold(safe.summary),
        ]),
        json: { [source.kind]: source.path, plans: plans.map(planJson), ...(leftAlone === null ? {} : { leftAlone }) },
        changes: changing.length > 0,
        refused: changing.length > 0 && changing.every((plan) => plan.refused),
      };
    },
    async commit(coordinator, author) {
      const applied: Applied[] = [];
      for (const step of await source.recheck(coordinator, previewed)) applied.push(await applyStep(coordinator, step, author, source.declared));
      const results = applied.map((one) => one.result);
      const count = (outcome: ApplyResult["outcome"]) => results.filter((result) => result.outcome === outcome).length;
      const summary = `applied ${count("changed")}, already in force ${count("in-force")}, refused ${count("refused")}`;
      const at = Math.max(told, ...applied.flatMap((one) => ("change" in one ? [one.change.at] : [])));
      return {
        view: view({ applied, summary }, (safe, style) => [...safe.applied.flatMap((one) => appliedLines(one, at, style)), style.bold(safe.summary)]),
        json: { results, changed: count("changed"), inForce: count("in-force"), refused: count("refused") },
        exitCode: count("refused") > 0 ? ExitCode.Refused : ExitCode.Ok,
      };
    },
  };
}

/** The coordinator's dry run of a step; a held step's reason joins its problems, so it shows, and counts, as a refusal (when it changes anything). */
async function previewStep(coordinator: Coordinator, step: ApplyStep, author: ChangeAuthor, declared: DeclaredOptions): Promise<Plan> {
  const plan = await coordinator.change(step.capability, step.request, author, { ...declared, dryRun: true });
  return step.held === undefined ? plan : { ...plan, problems: [...plan.problems, step.held.message], refused: plan.changes };
}

async function applyStep(coordinator: Coordinator, step: ApplyStep, author: ChangeAuthor, declared: DeclaredOptions): Promise<Applied> {
  const { capability } = step;
  try {
    if (step.held !== undefined) throw step.held;
    const change = await coordinator.change(capability, step.request, author, declared);
    return { result: { capability, outcome: change.changed ? "changed" : "in-force", change: changeJson(change), error: null }, change };
  } catch (error) {
    // A refusal, a hold or a lost race stops this capability only; anything else stops the apply.
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

function leftAloneLines(leftAlone: readonly LeftAlone[], style: Style): string[] {
  if (leftAlone.length === 0) return [];
  return [
    style.bold("Left alone"),
    ...alignColumns(
      leftAlone.map((one) => [one.capability, one.detail]),
      "  ",
    ),
  ];
}
