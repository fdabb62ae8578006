import { z } from "zod";
import type { RecordOf } from "./schema-types.js";

/** An incarnation: 8 to 32 lowercase hex digits. */
export const INCARNATION_PATTERN = /^[0-9a-f]{8,32}$/;
/** A build id: 32 lowercase hex digits. */
export const BUILD_ID_PATTERN = /^[0-9a-f]{32}$/;

/** Labels of a node (`zone`, `region`, `tier`, `hw`, ...): they choose writers, never readers. */
export type Labels = Readonly<Record<string, string>>;

/**
 * Which nodes a ramp's writers are: per label, the values a node may have
 * (any of them); a node must match every label named. `{ zone: ["a", "b"] }`
 * is every node in zone a or b.
 */
export type LabelSelector = Readonly<Record<string, readonly string[]>>;

/**
 * One incarnation of a node: registered when the process starts, removed
 * when it stops cleanly or is decommissioned. A member that is down still
 * counts: what it may write is judged by its lease, and a restart is a new
 * incarnation that passes the join guard again.
 */
export type MemberRecord = RecordOf<typeof memberRecordSchema>;

/** The longest node id, service, build and label accepted. */
const name = z.string().min(1).max(256);

/** The zod schema of a {@link MemberRecord} in record format 1. */
export const memberRecordSchema = z.looseObject({
  nodeId: name,
  /** Unique per process start: two processes with one node id are two members. */
  incarnation: z.string().regex(INCARNATION_PATTERN),
  service: name,
  /** Build id of the binary: a version, a commit, an image digest. */
  build: name,
  /** Key of the {@link BuildRecord} holding what this build reads and writes. */
  buildId: z.string().regex(BUILD_ID_PATTERN),
  labels: z.record(z.string().min(1).max(64), z.string().max(256)),
  /** When the process started, ms since the epoch, on the node's clock (for people). */
  startedAt: z.number(),
  /** How long after its last acknowledged heartbeat the node stops writing, in ms. */
  leaseMs: z.number().int().positive(),
});
