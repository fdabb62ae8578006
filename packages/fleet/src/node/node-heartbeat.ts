import type { StoredBeat } from "../control-plane/control-plane.js";
import type { HeartbeatRecord } from "../records/heartbeat-record.js";
import type { RecordFormats } from "../records/record-formats.js";
import type { TwostepRecords } from "../records/twostep-records.js";
import type { HeldRecords } from "./held-records.js";
import { decommissionedFence, type Fence } from "./node-fence.js";
import type { NodeMetrics } from "./node-metrics.js";

/** Who sends a heartbeat, which one it is, and what fences the node besides its lease. */
export type BeatSender = Pick<HeartbeatRecord, "nodeId" | "incarnation" | "beat" | "leaseMs" | "fenced">;

/**
 * A node's heartbeat record: what it applied (and, while the store is
 * behind, the records it holds as stored), what it wrote lately and how its
 * frames fare.
 */
export function heartbeatRecord(sender: BeatSender, held: HeldRecords, metrics: NodeMetrics): HeartbeatRecord {
  const applied: Record<string, number> = {};
  const stored: Record<string, string> = {};
  const regressed = held.regressed;
  for (const record of held.all()) {
    applied[record.record.capability] = record.revision;
    if (regressed !== null) stored[record.record.capability] = new TextDecoder().decode(record.stored);
  }
  return {
    nodeId: sender.nodeId,
    incarnation: sender.incarnation,
    beat: sender.beat,
    leaseMs: sender.leaseMs,
    plane: held.plane,
    applied,
    writes: metrics.writesAgo(),
    frames: metrics.snapshot(),
    fenced: sender.fenced,
    regressed,
    unreadable: held.unreadable(),
    held: stored,
  };
}

/**
 * Whose the heartbeat stored under a node's key is, when it is not the one
 * the node expected: a tombstone means the node was decommissioned (a fence
 * for good); one of its own heartbeats (`incarnation`'s, numbered up to
 * `beat`) means an acknowledgement was lost, and the node goes on from its
 * revision; anything else means another process writes this incarnation's
 * key, and the node stops for good.
 */
export function storedBeatOwner(
  current: StoredBeat,
  formats: RecordFormats<TwostepRecords>,
  incarnation: string,
  beat: number,
): { readonly revision: number } | { readonly fence: Fence } {
  if (current.tombstone) {
    const departure = formats.decode("departure", current.value);
    return { fence: decommissionedFence(departure.ok ? departure.value.change?.actor : undefined) };
  }
  const decoded = formats.decode("heartbeat", current.value);
  if (decoded.ok && decoded.value.incarnation === incarnation && decoded.value.beat <= beat) return { revision: current.revision };
  return { fence: { why: "another process writes this incarnation's heartbeat", fix: "give every process its own node", permanent: true } };
}
