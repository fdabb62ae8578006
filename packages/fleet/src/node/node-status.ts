import type { WritePlan } from "./write-plan.js";

/** What a node holds and does now, per capability: for status pages and metrics. */
export interface NodeStatus {
  readonly fenced: string | null;
  readonly regressed: string | null;
  readonly unreadable: readonly string[];
  readonly capabilities: Readonly<
    Record<string, { readonly applied: number; readonly level: number | null; readonly ramp: { readonly to: number; readonly percent: number } | null }>
  >;
}

/** What a node writes of one capability under its write plan (none yet: nothing), with the revision of the record it applied. */
export function capabilityStatus(plan: WritePlan | undefined, applied: number): NodeStatus["capabilities"][string] {
  return {
    applied,
    level: plan?.base ?? null,
    ramp: plan?.ramp === null || plan?.ramp === undefined ? null : { to: plan.ramp.to, percent: plan.ramp.percent },
  };
}
