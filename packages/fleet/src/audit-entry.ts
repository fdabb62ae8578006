import { z } from "zod";
import { blockerSchema, type Blocker } from "./blocker.js";
import { writeLevelRecordSchema, type WriteLevelRecord } from "./write-level-record.js";

/** What a recorded change did. */
export type AuditAction = "enable-write" | "disable-write" | "retire" | "decommission" | "revert" | "guard-revert" | "refused";

/** One recorded change (or refusal): who, when, why, before and after. */
export interface AuditEntry {
  /** Unique id of the entry. */
  readonly id: string;
  /** When it happened, ms since the epoch (coordinator clock). */
  readonly at: number;
  readonly actor: string;
  readonly reason: string;
  readonly action: AuditAction;
  /** The capability changed, when the action concerns one. */
  readonly capability: string | null;
  /** The node decommissioned, when the action concerns one. */
  readonly nodeId: string | null;
  /** What was asked, in words (`enable v2 at 10%`). */
  readonly request: string;
  /** The record before and after, with their revisions (0: none). */
  readonly before: WriteLevelRecord | null;
  readonly after: WriteLevelRecord | null;
  readonly revisionBefore: number;
  readonly revisionAfter: number;
  /** The blockers seen, for refusals and reverts. */
  readonly blockers: readonly Blocker[];
}

/** The zod schema of an {@link AuditEntry}; everything off the wire passes it. */
export const auditEntrySchema = z.strictObject({
  id: z.string().min(1),
  at: z.number(),
  actor: z.string(),
  reason: z.string(),
  action: z.enum(["enable-write", "disable-write", "retire", "decommission", "revert", "guard-revert", "refused"]),
  capability: z.string().nullable(),
  nodeId: z.string().nullable(),
  request: z.string(),
  before: writeLevelRecordSchema.nullable(),
  after: writeLevelRecordSchema.nullable(),
  revisionBefore: z.number().int().min(0),
  revisionAfter: z.number().int().min(0),
  blockers: z.array(blockerSchema),
});
