import {
  type ChangeNote,
  type ControllerLease,
  formatLabels,
  type GateSpec,
  type LabelSelector,
  type RolloutRecord,
  type RolloutState,
  type Verdict,
} from "@twostep/fleet";
import { formatRoughly } from "../render/format-time.js";
import type { PlanJson } from "./plan-json.js";

/** A gate of a rollout's plan with its last verdict in the current step (docs/cli.md). */
export interface GateJson {
  readonly name: string;
  readonly kind: GateSpec["kind"];
  /** Its last verdict, or null before the first in this step. */
  readonly verdict: Verdict | null;
  /** Why, in words (`0.4% of 1204 frames of v2 failed (v1: 0.1% of 980)`), or null. */
  readonly detail: string | null;
  /** The value judged, when there is one. */
  readonly value: number | null;
  /** When it was judged (control plane's clock), or null. */
  readonly at: number | null;
}

/** What the step in force waits on: the controller to apply it, the members to apply it, or its bake. */
export type RolloutPhase = "applying" | "converging" | "baking";

/** One rollout as `rollout status --json` and the rollout commands show it (docs/cli.md). */
export interface RolloutJson {
  readonly capability: string;
  /** Unique per start of a plan. */
  readonly id: string;
  /** Revision of the rollout record; for a dry run's `after`, the revision it would replace. */
  readonly revision: number;
  readonly state: RolloutState;
  /** The write level when the plan started (what a failure or an abort goes back to), and the level it rolls out. */
  readonly from: number | null;
  readonly target: number;
  /** The step in force or being applied, counted from 1, of `steps`. */
  readonly step: number;
  readonly steps: number;
  /** That step's share of the selected writers' writes at the target, and its writers by label (null: every node). */
  readonly percent: number;
  readonly where: LabelSelector | null;
  /** While running, holding or paused: what the step waits on; else null. */
  readonly phase: RolloutPhase | null;
  /** While baking: how long the bake still runs (0: baked, the next look moves on when the gates pass); else null. */
  readonly bakeLeftMs: number | null;
  readonly gates: readonly GateJson[];
  /** In words: `step 2 of 4: zone=us-east-1b, 10%, bake 14 min left, gates passing`. */
  readonly summary: string;
  /** Why it holds, is paused, failed or was aborted, or null. */
  readonly why: string | null;
  /** The rollout record as stored (or as a dry run would store it). */
  readonly record: RolloutRecord;
}

/** The controller lease: who acts and until when (docs/cli.md). */
export interface ControllerJson {
  readonly holder: string;
  readonly host: string;
  readonly since: number;
  readonly until: number;
  /** True while the lease runs: a controller acts. False: none does, and rollouts do not advance. */
  readonly active: boolean;
}

/** `twostep rollout status --json` (docs/cli.md). */
export interface RolloutStatusJson {
  /** Version of this shape. */
  readonly format: 1;
  /** When it was read (control plane's clock). */
  readonly at: number;
  /** The controller lease, or null when no controller ever ran. */
  readonly controller: ControllerJson | null;
  readonly rollouts: readonly RolloutJson[];
  /** Rollout records that cannot be read, in words (never taken as absent). */
  readonly unreadable: readonly string[];
}

/** A change of a rollout: `start`, `pause`, `resume`, `promote`, `abort` or `retry`. */
export type RolloutAction = "start" | "pause" | "resume" | "promote" | "abort" | "retry";

/** The `plan` of a rollout command's `--json` (docs/cli.md). */
export interface RolloutPlanJson {
  readonly capability: string;
  readonly action: RolloutAction;
  /** The rollout now; null when the capability never had one. */
  readonly before: RolloutJson | null;
  /** The rollout as the change would leave it. */
  readonly after: RolloutJson;
  /** The write-level change that comes with it: the first step's dry run for `start`, the writers' revert for `abort`; else null. */
  readonly writers: PlanJson | null;
  /** Why it would be refused besides the writers' blockers (a rollout under way), in words. */
  readonly problems: readonly string[];
  readonly allowed: boolean;
}

/** The `change` of a rollout command's `--json` (docs/cli.md). */
export interface RolloutChangeJson {
  readonly capability: string;
  readonly action: RolloutAction;
  /** Revision of the rollout record before and after (0: none before). */
  readonly revisionBefore: number;
  readonly revisionAfter: number;
  readonly rollout: RolloutJson;
  /** The audit note written with it (who, when, why, what). */
  readonly note: ChangeNote;
}

const UNDER_WAY: ReadonlySet<RolloutState> = new Set(["running", "holding", "paused"]);

/** A rollout record (at `revision`) as the documented JSON shape, its bake told against `now` (control plane's clock). */
export function rolloutJson(rollout: RolloutRecord, revision: number, now: number): RolloutJson {
  const index = Math.min(rollout.step, rollout.steps.length - 1);
  const step = rollout.steps[index] ?? { percent: 100, where: null, bakeMs: 0 };
  const phase: RolloutPhase | null = !UNDER_WAY.has(rollout.state)
    ? null
    : rollout.applied === null
      ? "applying"
      : rollout.bakeStartedAt === null
        ? "converging"
        : "baking";
  const bakeLeftMs = phase === "baking" && rollout.bakeStartedAt !== null ? Math.max(0, step.bakeMs - (now - rollout.bakeStartedAt)) : null;
  const gates = rollout.gates.map((gate): GateJson => {
    const result = rollout.results.find((candidate) => candidate.name === gate.name);
    return {
      name: gate.name,
      kind: gate.kind,
      verdict: result?.verdict ?? null,
      detail: result?.detail ?? null,
      value: result?.value ?? null,
      at: result?.at ?? null,
    };
  });
  const shown = { rollout, index, step, phase, bakeLeftMs, gates };
  return {
    capability: rollout.capability,
    id: rollout.id,
    revision,
    state: rollout.state,
    from: rollout.from,
    target: rollout.target,
    step: index + 1,
    steps: rollout.steps.length,
    percent: step.percent,
    where: step.where,
    phase,
    bakeLeftMs,
    gates,
    summary: summarize(shown),
    why: rollout.why,
    record: rollout,
  };
}

/** The controller lease as the documented JSON shape, active while it runs at `now`. */
export function controllerJson(lease: ControllerLease | undefined, now: number): ControllerJson | null {
  if (lease === undefined) return null;
  return { holder: lease.holder, host: lease.host, since: lease.since, until: lease.until, active: lease.until > now };
}

/** `every node`, or the labels: `zone=a|b tier=web`. */
export function describeWhere(where: LabelSelector | null): string {
  return where === null || Object.keys(where).length === 0 ? "every node" : formatLabels(where);
}

interface Shown {
  readonly rollout: RolloutRecord;
  readonly index: number;
  readonly step: { readonly percent: number; readonly where: LabelSelector | null };
  readonly phase: RolloutPhase | null;
  readonly bakeLeftMs: number | null;
  readonly gates: readonly GateJson[];
}

function summarize({ rollout, index, step, phase, bakeLeftMs, gates }: Shown): string {
  const position = `step ${index + 1} of ${rollout.steps.length}`;
  switch (rollout.state) {
    case "done":
      return step.percent === 100 && step.where === null
        ? `done: v${rollout.target} is the write level (${rollout.steps.length} step${rollout.steps.length === 1 ? "" : "s"})`
        : `done: the last step's ramp to v${rollout.target} stays (${describeWhere(step.where)}, ${step.percent}%)`;
    case "failed":
      return `failed at ${position}: ${rollout.why || "a gate failed"}`;
    case "aborted":
      return `aborted at ${position}: ${rollout.why || "by a release manager"}`;
    default: {
      const waiting =
        phase === "applying"
          ? "to be applied"
          : phase === "converging"
            ? "waiting for the members to apply it"
            : bakeLeftMs === 0
              ? "baked"
              : `bake ${formatRoughly(bakeLeftMs ?? 0)} left`;
      const text = `${position}: ${describeWhere(step.where)}, ${step.percent}%, ${waiting}, ${describeVerdicts(gates)}`;
      return rollout.state === "running" ? text : `${text}; ${rollout.state}${rollout.why ? `: ${rollout.why}` : ""}`;
    }
  }
}

/** `gates passing`, `1 gate failing`, `2 gates inconclusive`, `gates not judged yet`, or `no gates`. */
function describeVerdicts(gates: readonly GateJson[]): string {
  if (gates.length === 0) return "no gates";
  if (gates.every((gate) => gate.verdict === null)) return "gates not judged yet";
  const count = (verdict: Verdict) => gates.filter((gate) => gate.verdict === verdict).length;
  const gatesOf = (n: number) => `${n} gate${n === 1 ? "" : "s"}`;
  if (count("fail") > 0) return `${gatesOf(count("fail"))} failing`;
  if (count("inconclusive") > 0) return `${gatesOf(count("inconclusive"))} inconclusive`;
  return count("pass") === gates.length ? "gates passing" : "some gates not judged yet";
}
