import { z } from "zod";
import { type ChangeNote, changeNoteSchema } from "./change-note.js";

/**
 * The control plane's identity: set up once (`twostep init`, or the first
 * change), and given a new epoch by `twostep reconcile` after its store went
 * backwards. Nodes remember it and the revisions they applied, and report
 * both, so a store that was replaced or restored is noticed.
 */
export interface PlaneMeta {
  /** Random id given when the control plane was set up. */
  readonly planeId: string;
  /** Starts at 1; each reconcile adds one. Records carry the epoch they were written in. */
  readonly epoch: number;
  /** When it was set up, ms since the epoch. */
  readonly createdAt: number;
  /**
   * Who writes the fleet's records: anyone with release-manager credentials
   * (`direct`, the default), or only the rollout controller, to which the
   * others submit change requests (`controller`).
   */
  readonly mode?: "direct" | "controller";
  readonly change: ChangeNote;
}

/** The zod schema of a {@link PlaneMeta} in record format 1. */
export const planeMetaSchema = z.looseObject({
  planeId: z.string().min(1).max(64),
  epoch: z.number().int().min(1),
  createdAt: z.number(),
  mode: z.enum(["direct", "controller"]).optional(),
  change: changeNoteSchema,
});
