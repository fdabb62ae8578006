import type { FleetStatus, Ramp } from "@twostep/fleet";
import { blockersByLabel, describeLabelValue, groupByLabel } from "./label-groups.js";
import { countByState, MEMBER_STATES, type StateCounts, stateCountsOf } from "./member-groups.js";
import { describeWriteState, formatLevels } from "./write-state.js";

/** One capability as `twostep watch` follows it. */
export interface CapabilitySnapshot {
  readonly capability: string;
  /** The write level, or null when writes are closed (or the record cannot be read). */
  readonly level: number | null;
  readonly ramp: Ramp | null;
  /** Why the record cannot be read, or null. */
  readonly problem: string | null;
  readonly required: readonly number[];
  /** Per level: members that read it. */
  readonly readers: Readonly<Record<string, number>>;
  /** Members that take part. */
  readonly participants: number;
  /** Members that applied the current record, of those it waits on. */
  readonly applied: number;
  readonly of: number;
  /** The level a release would enable next, or null. */
  readonly next: number | null;
  /** How many members block `next`. */
  readonly blockers: number;
  /** With `--by LABEL` only: how many members block `next`, per value of the label (`zone=us-east-1a`, or `no zone`). */
  readonly blockersBy?: Readonly<Record<string, number>>;
}

/** What `twostep watch` compares from one poll to the next (also its `--json` status event). */
export interface WatchSnapshot {
  readonly at: number;
  /** The control plane's epoch, and how many signs of a store gone backwards and unreadable records there are. */
  readonly plane: { readonly epoch: number | null; readonly regressed: number; readonly unreadable: number };
  readonly members: StateCounts & { readonly total: number };
  readonly capabilities: readonly CapabilitySnapshot[];
  /** With `--by LABEL` only: the label, and the members counted by state per value of it. */
  readonly by?: { readonly label: string; readonly groups: Readonly<Record<string, StateCounts>> };
}

/** Reduces a status to what the watch follows; with `by`, grouped by that label's value too. */
export function watchSnapshot(status: FleetStatus, by?: string): WatchSnapshot {
  const snapshot = {
    at: status.at,
    plane: { epoch: status.plane.epoch, regressed: status.plane.regressed.length, unreadable: status.plane.unreadable.length },
    members: { total: status.memberCount, ...countByState(status.members) },
    capabilities: status.capabilities.map((entry) => ({
      capability: entry.capability,
      level: entry.record?.level ?? null,
      ramp: entry.record?.ramp ?? null,
      problem: entry.problem,
      required: entry.required,
      readers: entry.readers,
      participants: entry.participants,
      applied: entry.convergence.applied,
      of: entry.convergence.of,
      next: entry.next,
      blockers: entry.blockers.length,
      ...(by === undefined
        ? {}
        : {
            blockersBy: Object.fromEntries(
              blockersByLabel(entry.blockers, status.members, by).map((group) => [describeLabelValue(by, group.value), group.blockers]),
            ),
          }),
    })),
  };
  if (by === undefined) return snapshot;
  // A group holds its counts by state (and its node ids and builds, which the snapshot leaves out).
  const groups = groupByLabel(status.members, by).map((group) => [describeLabelValue(by, group.value), stateCountsOf(group)] as const);
  return { ...snapshot, by: { label: by, groups: Object.fromEntries(groups) } };
}

/** `writes v1, required v1`, or why the record cannot be read. */
function writeState(snapshot: CapabilitySnapshot): string {
  if (snapshot.problem !== null) return `record cannot be read: ${snapshot.problem}`;
  return `${describeWriteState({ level: snapshot.level, ramp: snapshot.ramp })}, required ${formatLevels(snapshot.required)}`;
}

/**
 * The lines of `twostep watch --lines` for what changed since `previous`
 * (everything on the first poll): the store, member counts, write states,
 * readers per level (`orders.OrderPlaced: v2 readers 5/12`), who applied
 * the record, and whether the next level is read-ready.
 */
export function watchChanges(previous: WatchSnapshot | undefined, next: WatchSnapshot): string[] {
  const lines: string[] = [];
  if (next.plane.regressed > 0 && previous?.plane.regressed !== next.plane.regressed) {
    const signs = `${next.plane.regressed} sign${next.plane.regressed === 1 ? "" : "s"}`;
    lines.push(`control plane: the store went backwards (${signs}): changes wait for twostep reconcile`);
  }
  if (previous !== undefined && previous.plane.epoch !== next.plane.epoch) lines.push(`control plane: epoch ${next.plane.epoch ?? "none"}`);
  if (previous === undefined || JSON.stringify(previous.members) !== JSON.stringify(next.members)) {
    lines.push(`fleet: ${next.members.total} members (${MEMBER_STATES.map((state) => `${next.members[state]} ${state}`).join(", ")})`);
  }
  if (next.by !== undefined && JSON.stringify(previous?.by) !== JSON.stringify(next.by)) {
    const counts = (state: StateCounts) =>
      MEMBER_STATES.filter((name) => state[name] > 0)
        .map((name) => `${state[name]} ${name}`)
        .join(", ");
    lines.push(
      `fleet by ${next.by.label}: ${Object.entries(next.by.groups)
        .map(([value, state]) => `${value} ${counts(state) || "none"}`)
        .join("; ")}`,
    );
  }
  const before = new Map(previous?.capabilities.map((entry) => [entry.capability, entry]));
  for (const entry of next.capabilities) {
    const old = before.get(entry.capability);
    const name = entry.capability;
    if (old === undefined || writeState(old) !== writeState(entry)) lines.push(`${name}: ${writeState(entry)}`);
    for (const level of Object.keys(entry.readers).sort((a, b) => Number(a) - Number(b))) {
      const count = entry.readers[level] ?? 0;
      if (old?.readers[level] !== count || old.participants !== entry.participants) lines.push(`${name}: v${level} readers ${count}/${entry.participants}`);
    }
    for (const level of Object.keys(old?.readers ?? {})) {
      if (entry.readers[level] === undefined) lines.push(`${name}: v${level} readers 0/${entry.participants}`);
    }
    if (entry.level !== null && (old === undefined || old.applied !== entry.applied || old.of !== entry.of)) {
      lines.push(`${name}: applied by ${entry.applied} of ${entry.of}`);
    }
    if (entry.next !== null && (old?.next !== entry.next || (old.blockers === 0) !== (entry.blockers === 0))) {
      lines.push(
        entry.blockers === 0
          ? `${name}: v${entry.next} read-ready (every member reads it)`
          : `${name}: v${entry.next} blocked by ${entry.blockers} member${entry.blockers === 1 ? "" : "s"}`,
      );
    }
    const by = entry.blockersBy;
    if (entry.next !== null && by !== undefined && entry.blockers > 0 && JSON.stringify(old?.blockersBy) !== JSON.stringify(by)) {
      lines.push(
        `${name}: v${entry.next} blocked in ${Object.entries(by)
          .map(([value, count]) => `${value} by ${count}`)
          .join(", ")}`,
      );
    }
  }
  return lines;
}
