import type { Plan } from "@twostep/fleet";
import { alignColumns } from "./align-columns.js";
import { groupBlockers, renderBlockerGroups } from "./blocker-groups.js";
import { plain, type Style } from "./style.js";
import { describeWriteState, formatLevels } from "./write-state.js";

/** What {@link renderPlan} shows. */
export interface PlanViewOptions {
  /** The time ages are told against. */
  readonly now: number;
  readonly style?: Style;
}

/** A plan as text: the write state now and after, the levels it newly requires, and whether the fleet allows it. */
export function renderPlan(plan: Plan, options: PlanViewOptions): string[] {
  const style = options.style ?? plain;
  const rows = [
    ["now", `${describeWriteState(plan.current?.value ?? null)}${plan.current === null ? "" : ` (rev ${plan.current.revision})`}`],
    ["after", describeWriteState(plan.next)],
    [
      "requires",
      plan.newlyRequired.length === 0 ? "no level that members do not already have to read" : `every member to read ${formatLevels(plan.newlyRequired)}`,
    ],
  ];
  const lines = [`${style.bold("Plan")} for ${style.cyan(plan.capability)}: ${plan.request}`, ...alignColumns(rows, "  ")];
  if (!plan.changes) return [...lines, `  ${style.green("already in force")}: nothing would change`];
  if (plan.blockers.length === 0) return [...lines, `  ${style.green("allowed")}: every member reads what it requires, from a live heartbeat`];
  const verdict = `  ${style.red("blocked")} by ${plan.blockers.length} member${plan.blockers.length === 1 ? "" : "s"}`;
  return [...lines, `${verdict}:`, ...renderBlockerGroups(groupBlockers(plan.blockers), { now: options.now, style }).map((line) => `    ${line}`)];
}
