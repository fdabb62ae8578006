import type { Blocker } from "../records/blocker.js";
import { type BuildRecord, type CapabilitySupport, takesPart } from "../records/build-record.js";
import type { Labels } from "../records/member-record.js";
import { drainWindowOf, requiredLevels, type WriteLevelRecord } from "../records/write-level-record.js";
import { readerBlockers } from "./find-blockers.js";
import type { FleetView, MemberState, MemberView } from "./fleet-view.js";

/** One member in a {@link FleetStatus}. */
export interface MemberStatus {
  readonly nodeId: string;
  readonly incarnation: string;
  readonly service: string;
  readonly build: string;
  readonly labels: Labels;
  readonly state: MemberState;
  /** When its last heartbeat arrived, or null. */
  readonly lastSeen: number | null;
  readonly registeredAt: number;
  /** Why it does not write, as it reports, or null. */
  readonly fenced: string | null;
  /** Per capability, the record revision it writes by. */
  readonly applied: Readonly<Record<string, number>>;
  /** What its build reads and writes, per capability. */
  readonly capabilities: Readonly<Record<string, CapabilitySupport>>;
  /** What cannot be told of it (an unreadable record), or null. */
  readonly problem: string | null;
}

/** Who has applied a capability's current record. */
export interface Convergence {
  /** Members taking part that report the current revision (or a newer one). */
  readonly applied: number;
  /** Members taking part. */
  readonly of: number;
  /** The others: not yet applied, or not live. */
  readonly waiting: readonly {
    readonly nodeId: string;
    readonly incarnation: string;
    readonly state: MemberState;
    readonly lastSeen: number | null;
    readonly applied: number;
  }[];
}

/** One capability in a {@link FleetStatus}. */
export interface CapabilityStatus {
  readonly capability: string;
  /** The write-level record, or null when there is none (nobody writes) or it cannot be read. */
  readonly record: WriteLevelRecord | null;
  readonly revision: number;
  /** Why the record cannot be read, or null. */
  readonly problem: string | null;
  /** Levels every member must read now. */
  readonly required: readonly number[];
  /** Per level read by any member: how many members read it. */
  readonly readers: Readonly<Record<string, number>>;
  /** Members that take part in the capability. */
  readonly participants: number;
  /** The level a release would enable next (the ramp target, else one above the level), or null. */
  readonly next: number | null;
  /** Who blocks `next`. */
  readonly blockers: readonly Blocker[];
  readonly convergence: Convergence;
  /** The drain window in force (the stored policy, or the default), in ms. */
  readonly drainWindowMs: number;
}

/** The fleet at a glance, as `twostep status` shows it. */
export interface FleetStatus {
  /** The control plane's clock when it was read. */
  readonly at: number;
  readonly plane: {
    /** Its identity, or null before it was set up. */
    readonly id: string | null;
    readonly epoch: number | null;
    /** Who writes the records: anyone with release-manager credentials, or only the rollout controller (null before it was set up). */
    readonly mode: "direct" | "controller" | null;
    /** What shows the store went backwards (changes wait for `twostep reconcile`). */
    readonly regressed: readonly string[];
    /** Every record that cannot be read, in words. */
    readonly unreadable: readonly string[];
  };
  readonly memberCount: number;
  readonly capabilities: readonly CapabilityStatus[];
  readonly members: readonly MemberStatus[];
}

/**
 * Builds the status of the fleet (or of one capability) from a view.
 * Members are grouped by build first, so the cost grows with members plus
 * builds times capabilities, not members times capabilities.
 */
export function fleetStatus(view: FleetView, regressed: readonly string[], options: { readonly capability?: string } = {}): FleetStatus {
  const names = new Set([...view.levels.values()].filter((stored) => !stored.forgotten).map((stored) => stored.capability));
  const builds = new Map<BuildRecord, MemberView[]>();
  for (const member of view.members) {
    if (member.build === null) continue;
    const list = builds.get(member.build) ?? [];
    list.push(member);
    builds.set(member.build, list);
    for (const name of Object.keys(member.build.capabilities)) names.add(name);
  }
  const wanted = [...names].filter((name) => options.capability === undefined || name === options.capability).sort();
  const capabilities = wanted.map((capability) => capabilityStatus(capability, view, builds));
  const members = view.members.map(
    (member): MemberStatus => ({
      nodeId: member.nodeId,
      incarnation: member.incarnation,
      service: member.member?.service ?? "?",
      build: member.member?.build ?? "?",
      labels: member.member?.labels ?? {},
      state: member.state,
      lastSeen: member.beat?.at ?? null,
      registeredAt: member.registeredAt,
      fenced: member.beat?.record?.fenced ?? null,
      applied: member.beat?.record?.applied ?? {},
      capabilities: member.build?.capabilities ?? {},
      problem: member.problem,
    }),
  );
  return {
    at: view.now,
    plane: {
      id: view.meta?.value?.planeId ?? null,
      epoch: view.meta?.value?.epoch ?? null,
      mode: view.meta?.value === undefined || view.meta.value === null ? null : (view.meta.value.mode ?? "direct"),
      regressed,
      unreadable: view.unreadable,
    },
    memberCount: members.length,
    capabilities,
    members,
  };
}

function capabilityStatus(capability: string, view: FleetView, builds: ReadonlyMap<BuildRecord, readonly MemberView[]>): CapabilityStatus {
  const stored = view.levels.get(capability);
  const record = stored?.record ?? null;
  const readers: Record<string, number> = {};
  let highest = 0;
  let participants = 0;
  for (const [build, members] of builds) {
    if (!takesPart(build, capability)) continue;
    const reads = build.capabilities[capability]?.reads;
    if (reads === undefined) continue;
    participants += members.length;
    highest = Math.max(highest, reads.max);
    // Count at most the top 64 levels: a malformed range must not make this loop long.
    for (let level = Math.max(reads.min, reads.max - 63); level <= reads.max; level++) readers[level] = (readers[level] ?? 0) + members.length;
  }
  // The next level: the ramp's target, else the one above the write level once some member reads it.
  const next =
    record === null || record.level === null ? (highest > 0 ? highest : null) : (record.ramp?.to ?? (highest > record.level ? record.level + 1 : null));
  const taking = view.members.filter((member) => member.build === null || takesPart(member.build, capability));
  return {
    capability,
    record,
    revision: stored?.revision ?? 0,
    problem: stored?.problem ?? null,
    required: record === null ? [] : requiredLevels(record),
    readers,
    participants,
    next,
    blockers: next === null ? [] : readerBlockers(capability, [next], taking),
    convergence: convergence(capability, stored?.revision ?? 0, record, taking),
    drainWindowMs: drainWindowOf(record ?? undefined),
  };
}

function convergence(capability: string, revision: number, record: WriteLevelRecord | null, members: readonly MemberView[]): Convergence {
  const waiting: Convergence["waiting"][number][] = [];
  let of = 0;
  for (const member of members) {
    if (member.build !== null && member.build.capabilities[capability] === undefined) continue;
    of++;
    const applied = member.beat?.record?.applied[capability] ?? 0;
    if (record === null || (member.state === "live" && applied >= revision)) continue;
    waiting.push({ nodeId: member.nodeId, incarnation: member.incarnation, state: member.state, lastSeen: member.beat?.at ?? null, applied });
  }
  return { applied: of - waiting.length, of, waiting };
}
