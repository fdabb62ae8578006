import { z } from "zod";
import type { RecordOf } from "./schema-types.js";

/**
 * The lease of the rollout controller that acts. A controller acts only
 * while it holds it; another takes over once it ran out. Taking over and
 * renewing are compare-and-set on the lease's revision.
 */
export type ControllerLease = RecordOf<typeof controllerLeaseSchema>;

/** The zod schema of a {@link ControllerLease} in record format 1. */
export const controllerLeaseSchema = z.looseObject({
  /** Unique per controller process. */
  holder: z.string().min(1),
  /** Where it runs, for people (host and pid). */
  host: z.string(),
  /** Until when it holds the lease (control plane's clock). */
  until: z.number(),
  /** Since when this holder holds it. */
  since: z.number(),
});
