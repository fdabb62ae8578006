import { z } from "zod";

/**
 * The lease of the rollout controller that acts. A controller acts only
 * while it holds it; another takes over once it ran out. Taking over and
 * renewing are compare-and-set on the lease's revision.
 */
export interface ControllerLease {
  /** Unique per controller process. */
  readonly holder: string;
  /** Where it runs, for people (host and pid). */
  readonly host: string;
  /** Until when it holds the lease (control plane's clock). */
  readonly until: number;
  /** Since when this holder holds it. */
  readonly since: number;
}

/** The zod schema of a {@link ControllerLease} in record format 1. */
export const controllerLeaseSchema = z.looseObject({ holder: z.string().min(1), host: z.string(), until: z.number(), since: z.number() });
