import { z } from "zod";
import { changeNoteSchema } from "./change-note.js";
import { openEnum, type RecordOf } from "./schema-types.js";

/** The zod schema of a {@link DepartureRecord} in record format 1. */
export const departureRecordSchema = z.looseObject({
  reason: openEnum(["left", "join-refused", "decommissioned"]),
  /** The build it ran (its {@link BuildRecord} key), so that what it may have written can be told after it went. */
  buildId: z.string().nullable(),
  /** Per capability and level, how long before leaving (ms) it last wrote that level. */
  writes: z.record(z.string(), z.record(z.string(), z.number().min(0))),
  /** The change that removed it, for a decommission. */
  change: changeNoteSchema.nullable(),
});

/**
 * Why an incarnation went, stored in the tombstone of its member key and
 * of its heartbeat: `left` (it stopped cleanly), `join-refused` (its join
 * guard refused it), `decommissioned` (a release manager removed it).
 */
export type DepartureRecord = RecordOf<typeof departureRecordSchema>;

/** The zod schema of a {@link DecommissionRecord} in record format 1. */
export const decommissionRecordSchema = z.looseObject({
  nodeId: z.string().min(1),
  incarnation: z.string().min(1),
  /** Per capability and level, the latest time the member may have written it (control plane's clock). */
  lastWrites: z.record(z.string(), z.record(z.string(), z.number())),
  change: changeNoteSchema,
});

/**
 * The removal of an incarnation by a release manager: its commit point and
 * its audit entry in one write. Until its lease has surely expired nothing
 * removes a member; this records, per capability and level, the latest time
 * the member may have written it (control plane's clock), which a
 * retirement's drain window counts from.
 */
export type DecommissionRecord = RecordOf<typeof decommissionRecordSchema>;

/** The zod schema of a {@link RefusalRecord} in record format 1. */
export const refusalRecordSchema = z.looseObject({ capability: z.string().nullable(), change: changeNoteSchema });

/** A refused change, kept for the history (it changed nothing). */
export type RefusalRecord = RecordOf<typeof refusalRecordSchema>;
