import type { GateSpec, Plan, RolloutRecord } from "@twostep/fleet";
import type { ControllerJson, GateJson, RolloutChangeJson, RolloutJson, RolloutStatusJson } from "../json/rollout-json.js";
import { describeWhere } from "../json/rollout-json.js";
import { alignColumns, type Cell } from "./align-columns.js";
import { formatDuration, formatRoughly, formatTime } from "./format-time.js";
import { renderPlan } from "./plan-view.js";
import { plain, type Style } from "./style.js";

/**
 * `twostep rollout status` as text: who holds the controller lease, then
 * per rollout where it stands (`step 2 of 4: zone=us-east-1b, 10%, bake 14
 * min left, gates passing`), its steps, each gate's last verdict, what it
 * does on failure, and its last recorded change.
 */
export function renderRolloutStatus(status: RolloutStatusJson, options: { readonly capability?: string; readonly style?: Style } = {}): string[] {
  const style = options.style ?? plain;
  const lines = [renderController(status.controller, status.at, style)];
  for (const rollout of status.rollouts) lines.push("", ...renderRollout(rollout, style));
  for (const problem of status.unreadable)
    lines.push("", `${style.red("cannot be read")}: rollout of ${problem} (never taken as absent: upgrade twostep if a newer one wrote it)`);
  if (status.rollouts.length === 0 && status.unreadable.length === 0) {
    const start = `twostep rollout start ${options.capability ?? "CAPABILITY"} --plan FILE`;
    lines.push(
      "",
      options.capability === undefined ? `No rollout yet: start one with ${start}.` : `${options.capability} has no rollout: start one with ${start}.`,
    );
  }
  return lines;
}

/** Who holds the controller lease and until when; none acting is said loudly, since rollouts then do not advance. */
export function renderController(controller: ControllerJson | null, now: number, style: Style = plain): string {
  const head = style.bold("Controller");
  if (controller === null) return `${head}  ${style.yellow("none has run yet")}: rollouts do not advance until one does (twostep controller)`;
  const who = `${controller.holder} on ${controller.host}`;
  if (!controller.active) {
    return `${head}  ${style.yellow("none acting")}: the lease of ${who} ran out ${formatRoughly(now - controller.until)} ago; rollouts do not advance until a controller runs (twostep controller)`;
  }
  return `${head}  ${who} holds the lease until ${formatTime(controller.until)} (${formatRoughly(controller.until - now)} left), since ${formatTime(controller.since)}`;
}

/** One rollout: a header, where it stands, its steps, its gates, its settings and its last change. */
export function renderRollout(rollout: RolloutJson, style: Style = plain): string[] {
  const header = `${style.bold(style.cyan(rollout.capability))}  rollout ${rollout.id.slice(0, 8)}  v${rollout.from ?? "-"} → v${rollout.target}  ${paintState(rollout.state, style)}  ${style.dim(`rev ${rollout.revision}`)}`;
  const last = rollout.record.change;
  const rows: Cell[][] = [
    ...labelled("steps", stepRows(rollout.record, rollout, style)),
    ...labelled("gates", gateRows(rollout.record, rollout.gates, style)),
    ["settings", describeSettings(rollout.record)],
    ["last change", `${formatTime(last.at)} ${last.actor} ${last.action}: ${JSON.stringify(last.reason)}`],
  ];
  return [header, `  ${rollout.summary}`, ...alignColumns(rows, "  ")];
}

/** What a rollout command would do: for `start`, the plan and its first step's dry run; else the rollout before and after (and for `abort`, the writers' revert). */
export interface RolloutPreview {
  readonly action: RolloutChangeJson["action"];
  readonly before: RolloutJson | null;
  readonly after: RolloutJson;
  readonly writers: Plan | null;
  readonly problems: readonly string[];
  readonly now: number;
}

/** A rollout command's preview as text. */
export function renderRolloutPreview(preview: RolloutPreview, style: Style = plain): string[] {
  const { after } = preview;
  const writers = preview.writers === null ? [] : renderPlan(preview.writers, { now: preview.now, style });
  const problems = preview.problems.map((problem) => `  ${style.red("problem")}: ${problem}`);
  if (preview.action === "start") {
    const head = `${style.bold("Rollout plan")} for ${style.cyan(after.capability)}: v${after.from ?? "-"} → v${after.target} in ${after.steps} step${after.steps === 1 ? "" : "s"}`;
    const rows = [
      ...labelled("steps", stepRows(after.record, null, style)),
      ...labelled("gates", gateRows(after.record, null, style)),
      ["settings", describeSettings(after.record)],
    ];
    const verdict =
      problems.length === 0 ? [] : [...problems, `  ${style.red("would be refused")}: ${problems.length === 1 ? "the problem above" : "the problems above"}`];
    return [head, ...alignColumns(rows, "  "), `${style.bold("First step")}:`, ...writers.map((line) => `  ${line}`), ...verdict];
  }
  const rows: Cell[][] = [
    ["now", preview.before === null ? "no rollout" : preview.before.summary],
    ["after", after.summary],
  ];
  const head = `${style.bold("Plan")} for the rollout of ${style.cyan(after.capability)} (${after.id.slice(0, 8)}): ${preview.action}`;
  const revert =
    preview.action !== "abort"
      ? []
      : writers.length === 0
        ? ["  writers  back already: nothing to revert"]
        : ["  writers:", ...writers.map((line) => `    ${line}`)];
  return [head, ...alignColumns(rows, "  "), ...revert, ...problems];
}

/** What a rollout command did, and whether a controller acts on it. */
export interface RolloutOutcome {
  readonly change: RolloutChangeJson;
  /** The controller lease (null: none ever ran); undefined when it could not be read. */
  readonly controller: ControllerJson | null | undefined;
}

/** `done: pause the rollout of orders.OrderPlaced (3f2a9c01), rev 5→6, recorded as alice: "freeze"`, where it stands now, and who advances it. */
export function renderRolloutChange({ change, controller }: RolloutOutcome, style: Style = plain): string[] {
  const { rollout, note } = change;
  const lines = [
    `${style.green("done")}: ${change.action} the rollout of ${change.capability} (${rollout.id.slice(0, 8)}), rev ${change.revisionBefore}→${change.revisionAfter}, recorded as ${note.actor}: ${JSON.stringify(note.reason)}`,
    `  now ${rollout.summary}`,
  ];
  if (rollout.state !== "running" || controller === undefined) return lines;
  if (controller?.active === true) return [...lines, `  ${controller.holder} advances it (twostep rollout status ${change.capability})`];
  return [...lines, `  ${style.yellow("no controller acts")}: the plan waits until one runs (twostep controller)`];
}

/** A table of its own under a label: its first line beside the label, the others under it. */
function labelled(label: string, rows: readonly (readonly Cell[])[]): Cell[][] {
  return alignColumns(rows).map((line, index) => [index === 0 ? label : "", line]);
}

/** The steps, one row each; with `rollout`, marked done, in force, failed or aborted. */
function stepRows(record: RolloutRecord, rollout: RolloutJson | null, style: Style): Cell[][] {
  return record.steps.map((step, index) => {
    const mark = rollout === null ? "" : stepMark(index + 1, rollout, style);
    return [String(index + 1), describeWhere(step.where), `${step.percent}%`, `bake ${formatDuration(step.bakeMs)}`, mark];
  });
}

function stepMark(step: number, rollout: RolloutJson, style: Style): Cell {
  if (step < rollout.step || rollout.state === "done") return { text: "done", paint: style.green };
  if (step > rollout.step) return "";
  if (rollout.state === "failed" || rollout.state === "aborted") return { text: `◂ ${rollout.state}`, paint: style.red };
  return { text: `◂ ${rollout.phase ?? rollout.state}`, paint: style.cyan };
}

/** The gates, one row each: with `verdicts`, each one's last verdict and why; else what each checks. */
function gateRows(record: RolloutRecord, verdicts: readonly GateJson[] | null, style: Style): Cell[][] {
  if (record.gates.length === 0) return [["none but convergence (a step bakes once every live member applied it)"]];
  return record.gates.map((gate) => {
    const judged = verdicts?.find((verdict) => verdict.name === gate.name);
    if (judged === undefined) return [gate.name, describeGate(gate, record)];
    if (judged.verdict === null) return [gate.name, { text: "–", paint: style.dim }, `not judged yet: ${describeGate(gate, record)}`];
    const paint = judged.verdict === "pass" ? style.green : judged.verdict === "fail" ? style.red : style.yellow;
    return [gate.name, { text: judged.verdict, paint }, `${judged.detail ?? ""}${judged.at === null ? "" : ` (${formatTime(judged.at)})`}`];
  });
}

/** What a gate checks, in words. */
function describeGate(gate: GateSpec, record: RolloutRecord): string {
  switch (gate.kind) {
    case "convergence":
      return "convergence: every live member applied the step";
    case "frame-health":
      return (
        `frame health: fails above ${percent(gate.maxFailureRate)} of v${record.target} frames failing to decode and ${percent(gate.maxIncrease)} above ` +
        `v${record.from ?? "-"}'s rate, over ${formatDuration(gate.windowMs)}; inconclusive under ${gate.minFrames} frames`
      );
    case "prometheus": {
      const bounds = [gate.min === null ? null : `at least ${gate.min}`, gate.max === null ? null : `at most ${gate.max}`].filter((bound) => bound !== null);
      return `prometheus at ${gate.url}: ${gate.query} must be ${bounds.join(" and ") || "a number"}`;
    }
  }
}

function describeSettings(record: RolloutRecord): string {
  const onFailure = record.onFailure === "revert" ? `revert the writers${record.from === null ? "" : ` to v${record.from}`}` : "hold";
  return `judged every ${formatDuration(record.intervalMs)}; a failing gate: ${onFailure}; an inconclusive one: ${record.onInconclusive}`;
}

function paintState(state: RolloutJson["state"], style: Style): string {
  if (state === "failed" || state === "aborted") return style.red(state);
  if (state === "done") return style.green(state);
  return state === "running" ? style.cyan(state) : style.yellow(state);
}

function percent(rate: number): string {
  return `${Number((rate * 100).toFixed(3))}%`;
}
