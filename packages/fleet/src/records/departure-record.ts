import { z } from "zod";
import { type ChangeNote, changeNoteSchema } from "./change-note.js";

/**
 * Why an incarnation went, stored in the tombstone of its member key and
 * of its heartbeat: `left` (it stopped cleanly), `join-refused` (its join
 * guard refused it), `decommissioned` (a release manager removed it).
 */
export interface DepartureRecord {
  readonly reason: "left" | "join-refused" | "decommissioned" | (string & {});
  /** The build it ran (its {@link BuildRecord} key), so that what it may have written can be told after it went. */
  readonly buildId: string | null;
  /** Per capability and level, how long before leaving (ms) it last wrote that level. */
  readonly writes: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** The change that removed it, for a decommission. */
  readonly change: ChangeNote | null;
}

/** The zod schema of a {@link DepartureRecord} in record format 1. */
export const departureRecordSchema = z.looseObject({
  reason: z.string().min(1),
  buildId: z.string().nullable(),
  writes: z.record(z.string(), z.record(z.string(), z.number().min(0))),
  change: changeNoteSchema.nullable(),
});

/**
 * The removal of an incarnation by a release manager: its commit point and
 * its audit entry in one write. Until its lease has surely expired nothing
 * removes a member; this records, per capability and level, the latest time
 * the member may have written it (control plane's clock), which a
 * retirement's drain window counts from.
 */
export interface DecommissionRecord {
  readonly nodeId: string;
  readonly incarnation: string;
  readonly lastWrites: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly change: ChangeNote;
}

/** The zod schema of a {@link DecommissionRecord} in record format 1. */
export const decommissionRecordSchema = z.looseObject({
  nodeId: z.string().min(1),
  incarnation: z.string().min(1),
  lastWrites: z.record(z.string(), z.record(z.string(), z.number())),
  change: changeNoteSchema,
});

/** A refused change, kept for the history (it changed nothing). */
export interface RefusalRecord {
  readonly capability: string | null;
  readonly change: ChangeNote;
}

/** The zod schema of a {@link RefusalRecord} in record format 1. */
export const refusalRecordSchema = z.looseObject({ capability: z.string().nullable(), change: changeNoteSchema });
