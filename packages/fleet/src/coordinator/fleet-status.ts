import type { Blocker } from "../records/blocker.js";
import { type CapabilitySupport, takesPart } from "../records/build-record.js";
import { inRange } from "../records/level-range.js";
import type { Labels } from "../records/member-record.js";
import { drainWindowOf, requiredLevels, type WriteLevelRecord } from "../records/write-level-record.js";
import type { MemberGroup, MemberGroups } from "./member-groups.js";
import { StatusMemo } from "./status-memo.js";
import type { ViewPatch } from "./view-memory.js";
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
 * Members are grouped by build and by the applied revisions their heartbeat
 * reports (equal maps are one object, see `DecodeCache`), so the cost grows
 * with members plus groups times capabilities, not members times
 * capabilities; only the members a capability waits on, or that block it,
 * are looked at one by one.
 */
export function fleetStatus(
  view: FleetView,
  regressed: readonly string[],
  options: { readonly capability?: string; readonly memo?: StatusMemo<MemberStatus>; readonly patch?: ViewPatch | undefined } = {},
): FleetStatus {
  const memo = options.memo ?? new StatusMemo<MemberStatus>();
  const names = new Set([...view.levels.values()].filter((stored) => !stored.forgotten).map((stored) => stored.capability));
  const groups = memo.groups;
  groups.update(view, options.patch);
  const builds = groups.builds;
  for (const build of builds.keys()) for (const name of Object.keys(build.capabilities)) names.add(name);
  const grouped = groups.list();
  const wanted = [...names].filter((name) => options.capability === undefined || name === options.capability).sort();
  const capabilities = wanted.map((capability) => capabilityStatus(capability, view, groups, grouped, memo));
  const members = memo.statuses(view.members, memberStatus);
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

/** `places` in ascending order: sorted only when they are not (one group's places already are). */
function inPlaceOrder(places: number[]): number[] {
  for (let index = 1; index < places.length; index++) if ((places[index - 1] as number) > (places[index] as number)) return places.sort((a, b) => a - b);
  return places;
}

function memberStatus(member: MemberView): MemberStatus {
  return {
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
  };
}

function capabilityStatus(
  capability: string,
  view: FleetView,
  groups: MemberGroups,
  grouped: readonly MemberGroup[],
  memo: StatusMemo<MemberStatus>,
): CapabilityStatus {
  const stored = view.levels.get(capability);
  const record = stored?.record ?? null;
  const revision = stored?.revision ?? 0;
  const readers: Record<string, number> = {};
  let highest = 0;
  let participants = 0;
  for (const [build, members] of groups.builds) {
    if (!takesPart(build, capability)) continue;
    const reads = build.capabilities[capability]?.reads;
    if (reads === undefined) continue;
    participants += members;
    highest = Math.max(highest, reads.max);
    // Count at most the top 64 levels: a malformed range must not make this loop long.
    for (let level = Math.max(reads.min, reads.max - 63); level <= reads.max; level++) readers[level] = (readers[level] ?? 0) + members;
  }
  // The next level: the ramp's target, else the one above the write level once some member reads it.
  const next =
    record === null || record.level === null ? (highest > 0 ? highest : null) : (record.ramp?.to ?? (highest > record.level ? record.level + 1 : null));
  // Who blocks the next level depends only on builds: a view patched from the last keeps them (see `MemberGroups`).
  const blocking =
    next === null
      ? []
      : memo.blocking(capability, next, groups.generation, () =>
          inPlaceOrder(
            grouped
              .filter(({ build }) => build === null || (takesPart(build, capability) && !inRange(build.capabilities[capability]?.reads, next)))
              .flatMap((group) => group.members),
          ),
        );
  const waiting: number[] = [];
  let of = 0;
  for (const group of grouped) {
    const build = group.build;
    if (build !== null && !takesPart(build, capability)) continue;
    // Convergence counts the members whose build knows the capability (or cannot be told).
    if (build !== null && build.capabilities[capability] === undefined) continue;
    of += group.members.length;
    if (record === null) continue;
    waiting.push(...((group.applied?.[capability] ?? 0) >= revision ? group.notLive : group.members));
  }
  return {
    capability,
    record,
    revision,
    problem: stored?.problem ?? null,
    required: record === null ? [] : requiredLevels(record),
    readers,
    participants,
    next,
    blockers: next === null ? [] : memo.blockers(capability, next, blocking, view.members),
    convergence: {
      applied: of - waiting.length,
      of,
      // Places taken from several groups are put back in the view's order.
      waiting: memo.waiting(capability, inPlaceOrder(waiting), view.members, (member) => ({
        nodeId: member.nodeId,
        incarnation: member.incarnation,
        state: member.state,
        lastSeen: member.beat?.at ?? null,
        applied: member.beat?.record?.applied[capability] ?? 0,
      })),
    },
    drainWindowMs: drainWindowOf(record ?? undefined),
  };
}
