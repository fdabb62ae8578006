import { formatZodIssues } from "@twostep/core";
import { z } from "zod";
import { InvalidRequestError } from "../errors/fleet-errors.js";
import { gateSpecSchema, type RolloutStep, rolloutStepSchema } from "../records/rollout-record.js";
import type { RecordOf } from "../records/schema-types.js";
import { formatLabels, type WriteLevelRequest } from "./write-level-request.js";

/** The zod schema of a {@link RolloutPlan} file (JSON). */
export const rolloutPlanSchema = z.strictObject({
  /** The level to roll out. */
  target: z.number().int().min(0),
  /** Ordered steps; the last with `percent: 100` and no `where` makes the target the write level. */
  steps: z.array(rolloutStepSchema).min(1),
  /** Checks of every step. Convergence is always checked (the bake starts once a step converged). Defaults to none. */
  gates: z.array(gateSpecSchema).optional(),
  /** How often the gates are judged, in ms. Defaults to 10 s. */
  intervalMs: z.number().int().min(100).optional(),
  /** Defaults to `revert`. */
  onFailure: z.enum(["revert", "hold"]).optional(),
  /** Defaults to `hold`. */
  onInconclusive: z.enum(["hold", "fail"]).optional(),
});

/** A rollout plan as a release manager declares it (in a file, for `twostep rollout start`). */
export type RolloutPlan = RecordOf<typeof rolloutPlanSchema>;

/** Checks a plan read from a file (JSON already parsed); throws {@link InvalidRequestError} saying where it is wrong. */
export function parseRolloutPlan(json: unknown): RolloutPlan {
  const parsed = rolloutPlanSchema.safeParse(json);
  if (!parsed.success) throw new InvalidRequestError(`the rollout plan is not valid: ${formatZodIssues(parsed.error).join("; ")} (see docs/rollouts.md)`);
  const names = new Set<string>();
  for (const gate of parsed.data.gates ?? []) {
    if (names.has(gate.name)) throw new InvalidRequestError(`the rollout plan names two gates ${JSON.stringify(gate.name)}: give each its own name`);
    names.add(gate.name);
  }
  return parsed.data as RolloutPlan;
}

/** The write-level request that puts `step` of a plan of `target` in force. */
export function stepRequest(target: number, step: RolloutStep): WriteLevelRequest {
  if (step.percent === 100 && step.where === null) return { kind: "enable-write", level: target };
  return { kind: "enable-write", level: target, percent: step.percent, ...(step.where === null ? {} : { where: step.where }) };
}

/** `step 2 of 4: zone=a|b, 10%, bake 15 min`. */
export function describeStep(index: number, steps: readonly RolloutStep[]): string {
  const step = steps[index];
  if (step === undefined) return `step ${index + 1} of ${steps.length}`;
  const where = step.where === null ? "every node" : formatLabels(step.where);
  return `step ${index + 1} of ${steps.length}: ${where}, ${step.percent}%, bake ${formatDuration(step.bakeMs)}`;
}

/** `90 s`, `15 min`, `2 h`. */
export function formatDuration(ms: number): string {
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 3_600_000)} h`;
}
