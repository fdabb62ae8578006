import { z } from "zod";
import { changeNoteSchema } from "./change-note.js";
import type { RecordOf } from "./schema-types.js";

/** The zod schema of a {@link PlaneMeta} in record format 1. */
export const planeMetaSchema = z.looseObject({
  /** Random id given when the control plane was set up. */
  planeId: z.string().min(1).max(64),
  /** Starts at 1; each reconcile adds one. Records carry the epoch they were written in. */
  epoch: z.number().int().min(1),
  /** When it was set up, ms since the epoch. */
  createdAt: z.number(),
  /**
   * Who writes the fleet's records: anyone with release-manager credentials
   * (`direct`, the default), or only the rollout controller, to which the
   * others submit change requests (`controller`). A mode this twostep does
   * not know makes the record unreadable: nothing guesses who may write.
   */
  mode: z.enum(["direct", "controller"]).optional(),
  change: changeNoteSchema,
});

/**
 * The control plane's identity: set up once (`twostep init`, or the first
 * change), and given a new epoch by `twostep reconcile` after its store went
 * backwards. Nodes remember it and the revisions they applied, and report
 * both, so a store that was replaced or restored is noticed.
 */
export type PlaneMeta = RecordOf<typeof planeMetaSchema>;
