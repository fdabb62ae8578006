import type { Advertisement, AuditEntry, Member, WriteLevelRecord } from "@twostep/fleet";

/** A small advertisement of `nodeId`, reading `orders.OrderPlaced` v1..v2 and writing v1. */
export function sampleAdvertisement(nodeId: string, overrides: Partial<Advertisement> = {}): Advertisement {
  return {
    nodeId,
    service: "shop",
    build: "1.0.0",
    capabilities: { "orders.OrderPlaced": { reads: { min: 1, max: 2 }, writes: { min: 1, max: 1 } }, "compression.zstd": { reads: { min: 0, max: 1 } } },
    startedAt: 1_000,
    // Far from any clock on purpose: seenAt must come from the control plane, not from here.
    heartbeatAt: 42,
    counters: { "orders.OrderPlaced": { read: { "1": 10 }, written: { "1": 3 }, failed: {} } },
    ...overrides,
  };
}

/** A member of `nodeId`. */
export function sampleMember(nodeId: string, overrides: Partial<Member> = {}): Member {
  return { nodeId, service: "shop", build: "1.0.0", joinedAt: 1_000, ...overrides };
}

/** A write-level record of `capability` at `level`, with some history. */
export function sampleWriteLevelRecord(capability: string, level: number, overrides: Partial<WriteLevelRecord> = {}): WriteLevelRecord {
  return {
    capability,
    level,
    levelSince: 2_000,
    levelSetBy: "alice",
    levelReason: "read-ready everywhere",
    ramp: null,
    intent: null,
    everWritten: level > 0 ? [level - 1, level] : [level],
    retired: [],
    writtenUntil: level > 0 ? { [String(level - 1)]: 2_000 } : {},
    changedAt: 2_000,
    changedBy: "alice",
    reason: "read-ready everywhere",
    ...overrides,
  };
}

/** An audit entry `id` about `capability` (null: about no capability). */
export function sampleAuditEntry(id: string, capability: string | null, overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    id,
    at: 3_000,
    actor: "alice",
    reason: "rollout",
    action: capability === null ? "decommission" : "enable-write",
    capability,
    nodeId: capability === null ? "node-gone" : null,
    request: capability === null ? "decommission node-gone" : "enable v2",
    before: capability === null ? null : sampleWriteLevelRecord(capability, 1),
    after: capability === null ? null : sampleWriteLevelRecord(capability, 2, { ramp: { to: 3, percent: 12.5, by: "key" } }),
    revisionBefore: capability === null ? 0 : 4,
    revisionAfter: capability === null ? 0 : 5,
    blockers: [
      {
        nodeId: "n9",
        service: "shop",
        build: "0.9.0",
        reason: "no-reader",
        level: 2,
        reads: { min: 1, max: 1 },
        lastSeen: 2_500,
        detail: "deploy a build that reads v2",
      },
    ],
    ...overrides,
  };
}
