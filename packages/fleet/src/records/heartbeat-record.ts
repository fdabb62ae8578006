import { z } from "zod";

/** Frames of one level since the node started: read, written, failed to decode. */
export type FrameCounts = readonly [read: number, written: number, failed: number];

/**
 * A node's heartbeat: it renews the node's lease and says what changes
 * while it runs (what it applied, what it wrote lately, how its frames
 * fare). What the build reads and writes is in its {@link BuildRecord}.
 */
export interface HeartbeatRecord {
  readonly nodeId: string;
  readonly incarnation: string;
  /** Counts the heartbeats of this incarnation, from 1. */
  readonly beat: number;
  /** How long after this heartbeat was sent the node stops writing unless it renews, in ms. */
  readonly leaseMs: number;
  /** The control plane the node follows: its identity and epoch, or null before it saw one. */
  readonly plane: { readonly id: string; readonly epoch: number } | null;
  /** Per capability, the revision of the write-level record the node writes by. */
  readonly applied: Readonly<Record<string, number>>;
  /** Per capability and level, how long ago (ms, when the heartbeat was sent) the node last wrote that level. */
  readonly writes: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Per capability and level, the frames since start. */
  readonly frames: Readonly<Record<string, Readonly<Record<string, FrameCounts>>>>;
  /** Why the node does not write, or null. */
  readonly fenced: string | null;
  /** Why the node thinks the store went backwards, or null. */
  readonly regressed: string | null;
  /** The records the node could not read (their keys, in words). */
  readonly unreadable: readonly string[];
  /** While regressed: per capability, the record the node holds, as stored (so that `reconcile` can rebuild it). */
  readonly held: Readonly<Record<string, string>>;
}

const count = z.number().int().min(0);

/** The zod schema of a {@link HeartbeatRecord} in record format 1. */
export const heartbeatRecordSchema = z.looseObject({
  nodeId: z.string().min(1),
  incarnation: z.string().min(1),
  beat: z.number().int().min(1),
  leaseMs: z.number().int().positive(),
  plane: z.looseObject({ id: z.string().min(1), epoch: z.number().int().min(1) }).nullable(),
  applied: z.record(z.string(), z.number().int().min(0)),
  writes: z.record(z.string(), z.record(z.string(), z.number().min(0))),
  frames: z.record(z.string(), z.record(z.string(), z.tuple([count, count, count]))),
  fenced: z.string().nullable(),
  regressed: z.string().nullable(),
  unreadable: z.array(z.string()),
  held: z.record(z.string(), z.string()),
});
