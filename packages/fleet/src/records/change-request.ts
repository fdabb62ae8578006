import { z } from "zod";
import { type ChangeNote, changeNoteSchema } from "./change-note.js";

/**
 * A change asked of the rollout controller, where it alone writes the
 * fleet's records: the request as a command states it, by whom and why. The
 * controller checks it with the same rules and writes the outcome as the
 * request's tombstone.
 */
export interface ChangeRequest {
  readonly capability: string;
  /** The request, as `Coordinator.change` takes it (a `WriteLevelRequest`). */
  readonly request: Readonly<Record<string, unknown>> & { readonly kind: string };
  readonly actor: string;
  readonly reason: string;
  /** Levels a manifest declares, per capability. */
  readonly declared: Readonly<Record<string, readonly number[]>> | null;
  readonly allowUndeclared: boolean;
  /** When it was asked (the asker's clock). */
  readonly at: number;
}

/** The zod schema of a {@link ChangeRequest} in record format 1. */
export const changeRequestSchema = z.looseObject({
  capability: z.string().min(1),
  request: z.looseObject({ kind: z.string().min(1) }),
  actor: z.string(),
  reason: z.string(),
  declared: z.record(z.string(), z.array(z.number().int().min(0))).nullable(),
  allowUndeclared: z.boolean(),
  at: z.number(),
});

/** What became of a {@link ChangeRequest}: applied (with its revision), refused (with why), or failed. */
export interface RequestOutcome {
  readonly outcome: "applied" | "unchanged" | "refused" | "failed";
  /** The error code when not applied. */
  readonly code: string | null;
  readonly message: string;
  /** The write-level revision it led to, when applied. */
  readonly revision: number | null;
  /** The change note of the write, or of the refusal. */
  readonly note: ChangeNote | null;
}

/** The zod schema of a {@link RequestOutcome} in record format 1. */
export const requestOutcomeSchema = z.looseObject({
  outcome: z.enum(["applied", "unchanged", "refused", "failed"]),
  code: z.string().nullable(),
  message: z.string(),
  revision: z.number().int().nullable(),
  note: changeNoteSchema.nullable(),
});
