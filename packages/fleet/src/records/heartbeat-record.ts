import { z } from "zod";
import type { RecordOf } from "./schema-types.js";

/** Frames of one level since the node started: read, written, failed to decode. */
export type FrameCounts = readonly [read: number, written: number, failed: number];

const count = z.number().int().min(0);

/** The zod schema of a {@link HeartbeatRecord} in record format 1. */
export const heartbeatRecordSchema = z.looseObject({
  nodeId: z.string().min(1),
  incarnation: z.string().min(1),
  /** Counts the heartbeats of this incarnation, from 1. */
  beat: z.number().int().min(1),
  /** How long after this heartbeat was sent the node stops writing unless it renews, in ms. */
  leaseMs: z.number().int().positive(),
  /** The control plane the node follows: its identity and epoch, or null before it saw one. */
  plane: z.looseObject({ id: z.string().min(1), epoch: z.number().int().min(1) }).nullable(),
  /** Per capability, the revision of the write-level record the node writes by. */
  applied: z.record(z.string(), z.number().int().min(0)),
  /** Per capability and level, how long ago (ms, when the heartbeat was sent) the node last wrote that level. */
  writes: z.record(z.string(), z.record(z.string(), z.number().min(0))),
  /** Per capability and level, the frames since start: read, written, failed to decode. */
  frames: z.record(z.string(), z.record(z.string(), z.tuple([count, count, count]))),
  /** Why the node does not write, or null. */
  fenced: z.string().nullable(),
  /** Why the node thinks the store went backwards, or null. */
  regressed: z.string().nullable(),
  /** The records the node could not read (their keys, in words). */
  unreadable: z.array(z.string()),
  /** While regressed: per capability, the record the node holds, as stored (so that `reconcile` can rebuild it). */
  held: z.record(z.string(), z.string()),
});

/**
 * A node's heartbeat: it renews the node's lease and says what changes
 * while it runs (what it applied, what it wrote lately, how its frames
 * fare). What the build reads and writes is in its {@link BuildRecord}.
 */
export type HeartbeatRecord = RecordOf<typeof heartbeatRecordSchema>;
