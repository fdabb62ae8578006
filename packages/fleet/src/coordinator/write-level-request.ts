import { z } from "zod";
import type { LabelSelector } from "../records/member-record.js";
import type { RecordOf } from "../records/schema-types.js";

/** A requested change of one capability's write state. */
export type WriteLevelRequest = RecordOf<typeof writeLevelRequestSchema>;

/** `enable v2 at 10% by key where zone=a`, `disable-write (to v1)`, `retire v1`, ... */
export function describeRequest(request: WriteLevelRequest): string {
  switch (request.kind) {
    case "enable-write": {
      const where = request.where === undefined || Object.keys(request.where).length === 0 ? "" : ` where ${formatLabels(request.where)}`;
      return request.percent === undefined || request.percent === 100
        ? `enable v${request.level}${where}`
        : `enable v${request.level} at ${request.percent}% by ${request.by ?? "key"}${where}`;
    }
    case "disable-write":
      return request.to === undefined ? "disable-write" : `disable-write to v${request.to}`;
    case "revert-ramp":
      return "revert ramp";
    case "retire":
      return `retire v${request.level}`;
    case "adopt":
      return `adopt v${request.level}`;
    case "policy":
      return request.drainWindowMs === null ? "drain window: default" : `drain window: ${request.drainWindowMs} ms`;
    case "forget":
      return "forget";
  }
}

/** `zone=a|b tier=web`. */
export function formatLabels(where: LabelSelector): string {
  return Object.entries(where)
    .map(([name, values]) => `${name}=${values.join("|")}`)
    .join(" ");
}

const level = z.number().int().min(0);

/** The zod schema of a {@link WriteLevelRequest}, for requests read off the store (change requests to the controller). */
export const writeLevelRequestSchema = z.discriminatedUnion("kind", [
  /** Write `level`, or with `percent` below 100 ramp a share of writes (of nodes matching `where`) to it. */
  z.strictObject({
    kind: z.literal("enable-write"),
    level,
    percent: z.number().optional(),
    by: z.enum(["key", "node"]).optional(),
    where: z.record(z.string(), z.array(z.string())).optional(),
  }),
  /** Drop the ramp, or go back to `to` (default: the highest lower level ever written and not retired). */
  z.strictObject({ kind: z.literal("disable-write"), to: level.optional() }),
  /** Drop the ramp, as a rollout gate does when a canary fails. */
  z.strictObject({ kind: z.literal("revert-ramp") }),
  /** Let builds drop the reader of `level`. */
  z.strictObject({ kind: z.literal("retire"), level }),
  /** The first write level of a capability whose writers wrote `level` before twostep. */
  z.strictObject({ kind: z.literal("adopt"), level }),
  /** Set the capability's drain window (null: the default). */
  z.strictObject({ kind: z.literal("policy"), drainWindowMs: z.number().int().min(0).nullable() }),
  /** Remove the record of a capability that no member reads or writes. */
  z.strictObject({ kind: z.literal("forget") }),
]);
