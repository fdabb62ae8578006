import { z } from "zod";

/**
 * A node the fleet expects. A member that is down still counts, since it may
 * come back on an old build; it stays until it leaves cleanly or is
 * decommissioned.
 */
export interface Member {
  readonly nodeId: string;
  readonly service: string;
  readonly build: string;
  /** When it (last) joined, ms since the epoch. */
  readonly joinedAt: number;
}

/** The zod schema of a {@link Member} as it travels on the wire. */
export const memberSchema = z.strictObject({
  nodeId: z.string().min(1),
  service: z.string().min(1),
  build: z.string().min(1),
  joinedAt: z.number(),
});
