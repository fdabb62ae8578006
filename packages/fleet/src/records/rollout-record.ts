import { z } from "zod";
import { changeNoteSchema } from "./change-note.js";
import type { RecordOf } from "./schema-types.js";

const selector = z.record(z.string().min(1), z.array(z.string()).min(1));

/** The zod schema of a {@link RolloutStep}. */
export const rolloutStepSchema = z.looseObject({
  /** Share of the selected writers' writes at the target; 100: all of them. */
  percent: z.number().gt(0).max(100),
  /** The writers of this step, by labels (waves by failure domain); null: every node. Readers are always fleet-wide. */
  where: selector.nullable(),
  /** How long the step must pass its gates, once it converged, before the next one. */
  bakeMs: z.number().int().min(0),
});

/** One step of a rollout: who writes the target level, and how long the step must stay healthy. */
export type RolloutStep = RecordOf<typeof rolloutStepSchema>;

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

/**
 * A check of a rollout step:
 * - `convergence`: every live member applied the step's record (the bake starts then);
 * - `frame-health`: the decode failures of frames at the target level, as nodes report them (frames a node could not read at all included), over `windowMs`, compared with the level the fleet wrote before: fails above `maxFailureRate` when the target fails more than `maxIncrease` above the baseline; inconclusive below `minFrames`;
 * - `prometheus`: a Prometheus query (through its HTTP API at `url`) whose value must stay within `max` / `min`; inconclusive when it returns nothing.
 */
export type GateSpec = RecordOf<typeof gateSpecSchema>;

const gateResultSchema = z.looseObject({
  name: z.string(),
  verdict: z.enum(["pass", "fail", "inconclusive"]),
  /** In words: `0.4% of 1,204 frames failed (baseline 0.1%)`. */
  detail: z.string(),
  /** The value judged, when there is one. */
  value: z.number().nullable(),
  /** When it was judged (control plane's clock). */
  at: z.number(),
});

/** A gate's last verdict, with why. */
export type GateResult = RecordOf<typeof gateResultSchema>;

/** What a gate said. */
export type Verdict = GateResult["verdict"];

/** The zod schema of a {@link RolloutRecord} in record format 1. */
export const rolloutRecordSchema = z.looseObject({
  capability: z.string().min(1),
  /** Unique per start of a plan. */
  id: z.string().min(1),
  /** The level the plan rolls out. */
  target: z.number().int().min(0),
  /** The write level when the plan started: what a failure or an abort goes back to. */
  from: z.number().int().min(0).nullable(),
  steps: z.array(rolloutStepSchema).min(1),
  gates: z.array(gateSpecSchema),
  /** How often the controller judges the gates, in ms. */
  intervalMs: z.number().int().positive(),
  /** What a failed gate does: revert the ramp (and stop), or hold. */
  onFailure: z.enum(["revert", "hold"]),
  /** What an inconclusive gate does: hold (the step does not move on until it passes), or count as failed. */
  onInconclusive: z.enum(["hold", "fail"]),
  state: z.enum(["running", "holding", "paused", "failed", "aborted", "done"]),
  /** The step in force, or being applied (0-based). */
  step: z.number().int().min(0),
  /** The write-level revision that applied the step, and when; null until the controller applied it. */
  applied: z.looseObject({ revision: z.number().int().positive(), at: z.number() }).nullable(),
  /** When the step converged and its bake began (control plane's clock), or null. */
  bakeStartedAt: z.number().nullable(),
  /** The gates' last verdicts. */
  results: z.array(gateResultSchema),
  /** Why it holds, failed or was aborted, or null. */
  why: z.string().nullable(),
  change: changeNoteSchema,
});

/**
 * A rollout plan of one capability and where it stands, stored next to its
 * write-level record and advanced by the rollout controller, one
 * compare-and-set at a time: a step is applied and passed once, whichever
 * controller does it.
 */
export type RolloutRecord = RecordOf<typeof rolloutRecordSchema>;

/**
 * Where a rollout stands:
 * - `running`: the controller applies steps and judges them;
 * - `holding`: a gate was inconclusive (or failing, and the plan says hold), or the coordinator refuses the step now: the step does not move on until it passes;
 * - `paused`: a release manager paused it;
 * - `failed`: a gate failed (and the ramp was reverted, if the plan says so);
 * - `aborted`: a release manager aborted it (the ramp was reverted);
 * - `done`: the last step baked: the target is the write level.
 */
export type RolloutState = RolloutRecord["state"];
