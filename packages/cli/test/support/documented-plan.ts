import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseRolloutPlan, type RolloutPlan } from "@twostep/fleet";

/** The zones of the documented plan, as test fleets label their nodes. */
export const ZONES = ["us-east-1a", "us-east-1b", "us-east-1c"] as const;

/**
 * The example plan of docs/rollouts.md ("Plans"): a canary of a tenth of
 * zone us-east-1a's writes, then three waves by zone, gated on frame health
 * and on a Prometheus query. Tests run it, so the documented example stays
 * one that works.
 */
export function documentedPlan(): RolloutPlan {
  const docs = readFileSync(fileURLToPath(new URL("../../../../docs/rollouts.md", import.meta.url)), "utf8");
  const json = /```json\n([\s\S]*?)\n```/.exec(docs.slice(docs.indexOf("## Plans")))?.[1];
  if (json === undefined) throw new Error('docs/rollouts.md has no JSON plan under "## Plans"');
  return parseRolloutPlan(JSON.parse(json));
}

/** The documented plan without its Prometheus gate, which needs a Prometheus (packages/prometheus tests one against a real server). */
export function documentedPlanWithoutPrometheus(): RolloutPlan {
  const plan = documentedPlan();
  return { ...plan, gates: (plan.gates ?? []).filter((gate) => gate.kind !== "prometheus") };
}
