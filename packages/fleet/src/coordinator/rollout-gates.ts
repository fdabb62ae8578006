import type { GateResult, GateSpec, RolloutRecord } from "../records/rollout-record.js";
import type { FleetView, MemberView } from "./fleet-view.js";
import { FrameWindow } from "./frame-window.js";
import { queryPrometheus } from "./prometheus-query.js";

/** What the gates of a step said, and whether the step converged. */
export interface GateJudgement {
  readonly results: readonly GateResult[];
  /** Every live member applied the step's record. */
  readonly converged: boolean;
}

/**
 * Judges the gates of rollouts, keeping what a judgement over time needs
 * (the frame windows of each rollout's step) between looks.
 */
export class RolloutGates {
  readonly #windows = new Map<string, { target: FrameWindow; baseline: FrameWindow }>();
  readonly #queryTimeoutMs: number;

  constructor(options: { readonly queryTimeoutMs?: number } = {}) {
    this.#queryTimeoutMs = options.queryTimeoutMs ?? 5_000;
  }

  /** Judges every gate of `rollout`'s current step on `view`; convergence is judged whether the plan names it or not. */
  async judge(rollout: RolloutRecord, view: FleetView): Promise<GateJudgement> {
    const applied = rollout.applied?.revision ?? Number.POSITIVE_INFINITY;
    const taking = view.members.filter((member) => member.build?.capabilities[rollout.capability] !== undefined);
    const waiting = taking.filter((member) => member.state === "live" && (member.beat?.record?.applied[rollout.capability] ?? 0) < applied);
    const converged = waiting.length === 0;
    const windows = this.#windowsOf(rollout);
    windows.target.record(view.now, taking, rollout.capability, rollout.target);
    if (rollout.from !== null) windows.baseline.record(view.now, taking, rollout.capability, rollout.from);
    const results: GateResult[] = [];
    for (const gate of rollout.gates) results.push(await this.#judgeGate(gate, rollout, view.now, waiting, windows));
    return { results, converged };
  }

  /** Forgets the windows of rollouts that are no longer running. */
  keepOnly(running: ReadonlySet<string>): void {
    for (const key of this.#windows.keys()) if (!running.has(key)) this.#windows.delete(key);
  }

  #windowsOf(rollout: RolloutRecord): { target: FrameWindow; baseline: FrameWindow } {
    // A window per step: frames of an earlier step do not count for this one.
    const key = `${rollout.id}\u0000${rollout.step}\u0000${rollout.applied?.revision ?? 0}`;
    let windows = this.#windows.get(key);
    if (windows === undefined) {
      windows = { target: new FrameWindow(), baseline: new FrameWindow() };
      this.#windows.set(key, windows);
    }
    return windows;
  }

  async #judgeGate(
    gate: GateSpec,
    rollout: RolloutRecord,
    at: number,
    waiting: readonly MemberView[],
    windows: { target: FrameWindow; baseline: FrameWindow },
  ): Promise<GateResult> {
    switch (gate.kind) {
      case "convergence": {
        const names = waiting.slice(0, 3).map((member) => member.nodeId);
        return waiting.length === 0
          ? { name: gate.name, verdict: "pass", detail: "every live member applied the step", value: 0, at }
          : {
              name: gate.name,
              verdict: "inconclusive",
              detail: `waiting on ${waiting.length} (${names.join(", ")}${waiting.length > 3 ? ", ..." : ""})`,
              value: waiting.length,
              at,
            };
      }
      case "frame-health": {
        const target = windows.target.tally(gate.windowMs);
        const baseline = windows.baseline.tally(gate.windowMs);
        const frames = target.read + target.failed;
        if (frames < gate.minFrames) {
          return {
            name: gate.name,
            verdict: "inconclusive",
            detail: `${frames} frames of v${rollout.target} so far, fewer than ${gate.minFrames}`,
            value: null,
            at,
          };
        }
        const rate = target.failed / frames;
        const baseFrames = baseline.read + baseline.failed;
        const baseRate = baseFrames === 0 ? 0 : baseline.failed / baseFrames;
        const detail = `${percent(rate)} of ${frames} frames of v${rollout.target} failed (v${rollout.from ?? "-"}: ${percent(baseRate)} of ${baseFrames})`;
        const fails = rate > gate.maxFailureRate && rate - baseRate > gate.maxIncrease;
        return { name: gate.name, verdict: fails ? "fail" : "pass", detail, value: rate, at };
      }
      case "prometheus": {
        const result = await queryPrometheus(gate.url, gate.query, this.#queryTimeoutMs);
        if (!result.ok) return { name: gate.name, verdict: "inconclusive", detail: result.problem, value: null, at };
        const tooHigh = gate.max !== null && result.value > gate.max;
        const tooLow = gate.min !== null && result.value < gate.min;
        const bounds = [gate.min === null ? null : `at least ${gate.min}`, gate.max === null ? null : `at most ${gate.max}`]
          .filter((text) => text !== null)
          .join(" and ");
        return {
          name: gate.name,
          verdict: tooHigh || tooLow ? "fail" : "pass",
          detail: `${gate.query} = ${result.value} (must be ${bounds})`,
          value: result.value,
          at,
        };
      }
    }
  }
}

function percent(rate: number): string {
  return `${(rate * 100).toFixed(rate < 0.01 ? 2 : 1)}%`;
}
