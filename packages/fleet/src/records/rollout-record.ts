import { z } from "zod";
import { type ChangeNote, changeNoteSchema } from "./change-note.js";
import type { LabelSelector } from "./member-record.js";

/** One step of a rollout: who writes the target level, and how long the step must stay healthy. */
export interface RolloutStep {
  /** Share of the selected writers' writes at the target; 100: all of them. */
  readonly percent: number;
  /** The writers of this step, by labels (waves by failure domain); null: every node. Readers are always fleet-wide. */
  readonly where: LabelSelector | null;
  /** How long the step must pass its gates, once it converged, before the next one. */
  readonly bakeMs: number;
}

/**
 * A check of a rollout step:
 * - `convergence`: every live member applied the step's record (the bake starts then);
 * - `frame-health`: the decode failures of frames at the target level, as nodes report them (frames a node could not read at all included), over `windowMs`, compared with the level the fleet wrote before: fails above `maxFailureRate` when the target fails more than `maxIncrease` above the baseline; inconclusive below `minFrames`;
 * - `prometheus`: a Prometheus query (through its HTTP API at `url`) whose value must stay within `max` / `min`; inconclusive when it returns nothing.
 */
export type GateSpec =
  | { readonly kind: "convergence"; readonly name: string }
  | {
      readonly kind: "frame-health";
      readonly name: string;
      readonly maxFailureRate: number;
      readonly maxIncrease: number;
      readonly minFrames: number;
      readonly windowMs: number;
    }
  | {
      readonly kind: "prometheus";
      readonly name: string;
      readonly url: string;
      readonly query: string;
      readonly max: number | null;
      readonly min: number | null;
    };

/** What a gate said. */
export type Verdict = "pass" | "fail" | "inconclusive";

/** A gate's last verdict, with why. */
export interface GateResult {
  readonly name: string;
  readonly verdict: Verdict;
  /** In words: `0.4% of 1,204 frames failed (baseline 0.1%)`. */
  readonly detail: string;
  /** The value judged, when there is one. */
  readonly value: number | null;
  /** When it was judged (control plane's clock). */
  readonly at: number;
}

/**
 * Where a rollout stands:
 * - `running`: the controller applies steps and judges them;
 * - `holding`: a gate was inconclusive (or failing, and the plan says hold), or the coordinator refuses the step now: the step does not move on until it passes;
 * - `paused`: a release manager paused it;
 * - `failed`: a gate failed (and the ramp was reverted, if the plan says so);
 * - `aborted`: a release manager aborted it (the ramp was reverted);
 * - `done`: the last step baked: the target is the write level.
 */
export type RolloutState = "running" | "holding" | "paused" | "failed" | "aborted" | "done";

/**
 * A rollout plan of one capability and where it stands, stored next to its
 * write-level record and advanced by the rollout controller, one
 * compare-and-set at a time: a step is applied and passed once, whichever
 * controller does it.
 */
export interface RolloutRecord {
  readonly capability: string;
  /** Unique per start of a plan. */
  readonly id: string;
  /** The level the plan rolls out. */
  readonly target: number;
  /** The write level when the plan started: what a failure or an abort goes back to. */
  readonly from: number | null;
  readonly steps: readonly RolloutStep[];
  readonly gates: readonly GateSpec[];
  /** How often the controller judges the gates, in ms. */
  readonly intervalMs: number;
  /** What a failed gate does: revert the ramp (and stop), or hold. */
  readonly onFailure: "revert" | "hold";
  /** What an inconclusive gate does: hold (the step does not move on until it passes), or count as failed. */
  readonly onInconclusive: "hold" | "fail";
  readonly state: RolloutState;
  /** The step in force, or being applied (0-based). */
  readonly step: number;
  /** The write-level revision that applied the step, and when; null until the controller applied it. */
  readonly applied: { readonly revision: number; readonly at: number } | null;
  /** When the step converged and its bake began (control plane's clock), or null. */
  readonly bakeStartedAt: number | null;
  /** The gates' last verdicts. */
  readonly results: readonly GateResult[];
  /** Why it holds, failed or was aborted, or null. */
  readonly why: string | null;
  readonly change: ChangeNote;
}

const selector = z.record(z.string().min(1), z.array(z.string()).min(1));

/** The zod schema of a {@link GateSpec}. */
export const gateSpecSchema = z.discriminatedUnion("kind", [
  z.looseObject({ kind: z.literal("convergence"), name: z.string().min(1) }),
  z.looseObject({
    kind: z.literal("frame-health"),
    name: z.string().min(1),
    maxFailureRate: z.number().min(0).max(1),
    maxIncrease: z.number().min(0).max(1),
    minFrames: z.number().int().min(1),
    windowMs: z.number().int().positive(),
  }),
  z.looseObject({
    kind: z.literal("prometheus"),
    name: z.string().min(1),
    url: z.url(),
    query: z.string().min(1),
    max: z.number().nullable(),
    min: z.number().nullable(),
  }),
]);

/** The zod schema of a {@link RolloutStep}. */
export const rolloutStepSchema = z.looseObject({ percent: z.number().gt(0).max(100), where: selector.nullable(), bakeMs: z.number().int().min(0) });

/** The zod schema of a {@link RolloutRecord} in record format 1. */
export const rolloutRecordSchema = z.looseObject({
  capability: z.string().min(1),
  id: z.string().min(1),
  target: z.number().int().min(0),
  from: z.number().int().min(0).nullable(),
  steps: z.array(rolloutStepSchema).min(1),
  gates: z.array(gateSpecSchema),
  intervalMs: z.number().int().positive(),
  onFailure: z.enum(["revert", "hold"]),
  onInconclusive: z.enum(["hold", "fail"]),
  state: z.enum(["running", "holding", "paused", "failed", "aborted", "done"]),
  step: z.number().int().min(0),
  applied: z.looseObject({ revision: z.number().int().positive(), at: z.number() }).nullable(),
  bakeStartedAt: z.number().nullable(),
  results: z.array(
    z.looseObject({ name: z.string(), verdict: z.enum(["pass", "fail", "inconclusive"]), detail: z.string(), value: z.number().nullable(), at: z.number() }),
  ),
  why: z.string().nullable(),
  change: changeNoteSchema,
});
