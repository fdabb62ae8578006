import { z } from "zod";
import { levelRangeSchema, type LevelRange } from "./level-range.js";

/** What one node can do with one capability. */
export interface CapabilitySupport {
  /** Levels it reads. */
  readonly reads: LevelRange;
  /** Levels it writes; absent when the node only reads this capability. */
  readonly writes?: LevelRange;
}

/** Counters of frames per level, as a node reports them in its heartbeat. */
export interface LevelCounters {
  readonly read: Readonly<Record<string, number>>;
  readonly written: Readonly<Record<string, number>>;
  readonly failed: Readonly<Record<string, number>>;
}

/** What one node can read and write, advertised with every heartbeat. */
export interface Advertisement {
  /** Unique id of the node (a process, not a host: a restart may reuse it). */
  readonly nodeId: string;
  /** The service the node belongs to. */
  readonly service: string;
  /** Build id of the node's binary (a version, a commit, an image digest). */
  readonly build: string;
  /** Per capability name: the levels it reads and writes. */
  readonly capabilities: Readonly<Record<string, CapabilitySupport>>;
  /**
   * The capabilities this node takes part in, when it declares them: it is
   * then neither required to read nor a blocker of any other. Absent: it takes
   * part in every capability, so an old build that lacks a new one blocks it.
   */
  readonly uses?: readonly string[];
  /** When the node started (ms since the epoch, node clock). */
  readonly startedAt: number;
  /** When this advertisement was sent (ms since the epoch, node clock). */
  readonly heartbeatAt: number;
  /** Frames read, written and failed per capability and level since start. */
  readonly counters: Readonly<Record<string, LevelCounters>>;
}

const counts = z.record(z.string(), z.number().int().min(0));

/** The zod schema of an {@link Advertisement}; everything off the wire passes it. */
export const advertisementSchema = z.strictObject({
  nodeId: z.string().min(1),
  service: z.string().min(1),
  build: z.string().min(1),
  capabilities: z.record(z.string().min(1), z.strictObject({ reads: levelRangeSchema, writes: levelRangeSchema.optional() })),
  uses: z.array(z.string().min(1)).optional(),
  startedAt: z.number(),
  heartbeatAt: z.number(),
  counters: z.record(z.string(), z.strictObject({ read: counts, written: counts, failed: counts })),
});
