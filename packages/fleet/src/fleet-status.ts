import type { CapabilitySupport } from "./advertisement.js";
import { findBlockers, type Blocker, type SeenAdvertisement } from "./blocker.js";
import type { ControlPlane } from "./control-plane.js";
import type { Member } from "./member.js";
import { requiredLevels, type Versioned, type WriteLevelRecord } from "./write-level-record.js";

/** Everything the coordinator judges by, read at one moment. */
export interface FleetView {
  readonly now: number;
  readonly members: readonly Member[];
  readonly adverts: ReadonlyMap<string, SeenAdvertisement>;
  readonly levels: readonly Versioned<WriteLevelRecord>[];
}

/** Reads members, advertisements and records from the control plane. */
export async function loadFleetView(plane: ControlPlane): Promise<FleetView> {
  const [members, adverts, levels] = await Promise.all([plane.listMembers(), plane.listAdvertisements(), plane.listLevels()]);
  return { now: plane.now(), members, adverts: new Map(adverts.map((seen) => [seen.advertisement.nodeId, seen])), levels };
}

/** How a member looks from the control plane. */
export type MemberState = "live" | "stale" | "never-seen";

/** One member in a {@link FleetStatus}. */
export interface MemberStatus {
  readonly nodeId: string;
  readonly service: string;
  readonly build: string;
  readonly state: MemberState;
  readonly lastSeen: number | null;
  /** What it reads and writes per capability, from its last advertisement. */
  readonly capabilities: Readonly<Record<string, CapabilitySupport>>;
}

/** One capability in a {@link FleetStatus}. */
export interface CapabilityStatus {
  readonly capability: string;
  /** The write-level record, or null when nothing was ever enabled. */
  readonly record: WriteLevelRecord | null;
  readonly revision: number;
  /** Levels every member must read now. */
  readonly required: readonly number[];
  /** Per level seen in any advertisement: how many members read it from a live heartbeat. */
  readonly readers: Readonly<Record<string, number>>;
  /** The level a release would enable next (the ramp target, else one above the level), or null. */
  readonly next: number | null;
  /** Who blocks `next`. */
  readonly blockers: readonly Blocker[];
}

/** The fleet at a glance, as `twostep status` shows it. */
export interface FleetStatus {
  readonly at: number;
  readonly memberCount: number;
  readonly capabilities: readonly CapabilityStatus[];
  readonly members: readonly MemberStatus[];
}

/** Builds the status of the fleet (or of one capability) from a view. Linear in members times capabilities. */
export function fleetStatus(view: FleetView, options: { staleAfterMs: number; capability?: string }): FleetStatus {
  const records = new Map(view.levels.map((stored) => [stored.value.capability, stored]));
  const names = new Set(records.keys());
  const members = view.members.map((member): MemberStatus => {
    const seen = view.adverts.get(member.nodeId);
    const state: MemberState = seen === undefined ? "never-seen" : view.now - seen.seenAt > options.staleAfterMs ? "stale" : "live";
    const capabilities = seen?.advertisement.capabilities ?? {};
    for (const name of Object.keys(capabilities)) names.add(name);
    return {
      nodeId: member.nodeId,
      service: member.service,
      build: seen?.advertisement.build ?? member.build,
      state,
      lastSeen: seen?.seenAt ?? null,
      capabilities,
    };
  });
  const wanted = [...names].filter((name) => options.capability === undefined || name === options.capability).sort();
  const capabilities = wanted.map((capability): CapabilityStatus => {
    const stored = records.get(capability);
    const readers: Record<string, number> = {};
    let highest = 0;
    for (const member of members) {
      const reads = member.capabilities[capability]?.reads;
      if (member.state !== "live" || reads === undefined) continue;
      highest = Math.max(highest, reads.max);
      // Count at most the top 64 levels: a malformed range must not make this loop long.
      for (let level = Math.max(reads.min, reads.max - 63); level <= reads.max; level++) readers[level] = (readers[level] ?? 0) + 1;
    }
    const record = stored?.value ?? null;
    const next = record === null ? (highest > 0 ? highest : null) : (record.ramp?.to ?? record.level + 1);
    const blockers =
      next === null
        ? []
        : findBlockers({ capability, levels: [next], members: view.members, adverts: view.adverts, now: view.now, staleAfterMs: options.staleAfterMs });
    return {
      capability,
      record,
      revision: stored?.revision ?? 0,
      required: record === null ? [] : requiredLevels(record),
      readers,
      next,
      blockers,
    };
  });
  return { at: view.now, memberCount: members.length, capabilities, members };
}
