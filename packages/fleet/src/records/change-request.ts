import { z } from "zod";
import { changeNoteSchema } from "./change-note.js";
import type { RecordOf } from "./schema-types.js";

/** The zod schema of a {@link ChangeRequest} in record format 1. */
export const changeRequestSchema = z.looseObject({
  capability: z.string().min(1),
  /** The request, as `Coordinator.change` takes it (a `WriteLevelRequest`), or a decommission: checked by the controller, which knows its kinds. */
  request: z.looseObject({ kind: z.string().min(1) }),
  actor: z.string(),
  reason: z.string(),
  /** Levels a manifest declares, per capability. */
  declared: z.record(z.string(), z.array(z.number().int().min(0))).nullable(),
  allowUndeclared: z.boolean(),
  /** When it was asked (the asker's clock). */
  at: z.number(),
});

/**
 * A change asked of the rollout controller, where it alone writes the
 * fleet's records: the request as a command states it, by whom and why. The
 * controller checks it with the same rules and writes the outcome as the
 * request's tombstone.
 */
export type ChangeRequest = RecordOf<typeof changeRequestSchema>;

/** The zod schema of a {@link RequestOutcome} in record format 1. */
export const requestOutcomeSchema = z.looseObject({
  outcome: z.enum(["applied", "unchanged", "refused", "failed"]),
  /** The error code when not applied. */
  code: z.string().nullable(),
  message: z.string(),
  /** The write-level revision it led to, when applied. */
  revision: z.number().int().nullable(),
  /** The change note of the write, or of the refusal. */
  note: changeNoteSchema.nullable(),
});

/** What became of a {@link ChangeRequest}: applied (with its revision), refused (with why), or failed. */
export type RequestOutcome = RecordOf<typeof requestOutcomeSchema>;
