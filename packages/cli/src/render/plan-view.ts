import { DEFAULT_DRAIN_WINDOW_MS, type Plan, type WriteLevelRecord } from "@twostep/fleet";
import { alignColumns, type Cell } from "./align-columns.js";
import { groupBlockers, renderBlockerGroups } from "./blocker-groups.js";
import { formatDuration } from "./format-time.js";
import { plain, type Style } from "./style.js";
import { describeWriteState, formatLevels } from "./write-state.js";

/** What {@link renderPlan} shows. */
export interface PlanViewOptions {
  /** The time ages are told against. */
  readonly now: number;
  readonly style?: Style;
}

/**
 * A plan as text: the write state now and after, what else it changes
 * (retired levels, the drain window), the levels it newly requires, how
 * many members take part (a loud warning when none do: a typo, most
 * likely), the problems besides blockers, and the verdict with its
 * blockers grouped.
 */
export function renderPlan(plan: Plan, options: PlanViewOptions): string[] {
  const style = options.style ?? plain;
  const current = plan.current?.value ?? null;
  const rows: Cell[][] = [
    ["now", `${describeWriteState(current)}${plan.current === null ? "" : ` (rev ${plan.current.revision})`}`],
    ["after", plan.next === null ? "no record: forgotten, as if never enabled" : describeWriteState(plan.next)],
  ];
  const retiring = (plan.next?.retired ?? []).filter((level) => !(current?.retired ?? []).includes(level));
  if (retiring.length > 0) rows.push(["retires", `${formatLevels(retiring)}: builds may drop its reader`]);
  const drain = [drainWindow(current), drainWindow(plan.next)];
  if (plan.next !== null && drain[0] !== drain[1]) rows.push(["drain window", `${drain[0]} → ${drain[1]}`]);
  rows.push([
    "requires",
    plan.newlyRequired.length === 0 ? "no level that members do not already have to read" : `every member to read ${formatLevels(plan.newlyRequired)}`,
  ]);
  if (plan.participants > 0) rows.push(["members", `${plan.participants} take${plan.participants === 1 ? "s" : ""} part`]);
  const lines = [`${style.bold("Plan")} for ${style.cyan(plan.capability)}: ${plan.request}`, ...alignColumns(rows, "  ")];
  if (plan.participants === 0) {
    lines.push(
      `  ${style.yellow(style.bold("warning: 0 members take part"))} in ${plan.capability}: no member's build declares it ` +
        "(a typo in the name, or a capability no build has shipped yet?)",
    );
  }
  if (!plan.changes) return [...lines, `  ${style.green("already in force")}: nothing would change`];
  if (!plan.refused) return [...lines, `  ${style.green("allowed")}: no member and no rule stands in its way`];
  for (const problem of plan.problems) lines.push(`  ${style.red("problem")}: ${problem}`);
  if (plan.blockers.length === 0)
    return [...lines, `  ${style.red("would be refused")}: ${plan.problems.length === 1 ? "the problem above" : "the problems above"}`];
  const verdict = `  ${style.red("would be refused")}: blocked by ${plan.blockers.length} member${plan.blockers.length === 1 ? "" : "s"}`;
  return [...lines, `${verdict}:`, ...renderBlockerGroups(groupBlockers(plan.blockers), { now: options.now, style }).map((line) => `    ${line}`)];
}

function drainWindow(record: WriteLevelRecord | null): string {
  const stored = record?.policy.drainWindowMs ?? null;
  return stored === null ? `${formatDuration(DEFAULT_DRAIN_WINDOW_MS)} (default)` : formatDuration(stored);
}
