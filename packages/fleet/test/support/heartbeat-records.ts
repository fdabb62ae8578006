import type { HeartbeatRecord } from "@twostep/fleet/internal";

/** The heartbeat record of `nodeId` that reports nothing but what `fields` say. */
export function heartbeatRecord(nodeId: string, fields: Partial<HeartbeatRecord> = {}): HeartbeatRecord {
  return {
    nodeId,
    incarnation: "1",
    beat: 1,
    leaseMs: 9,
    plane: null,
    applied: {},
    writes: {},
    frames: {},
    fenced: null,
    regressed: null,
    unreadable: [],
    held: {},
    ...fields,
  };
}
