import type { FleetStatus, Ramp } from "@twostep/fleet";
import { countByState } from "./member-groups.js";
import { describeWriteState, formatLevels } from "./write-state.js";

/** One capability as `twostep watch` follows it. */
export interface CapabilitySnapshot {
  readonly capability: string;
  /** The write level, or null when nothing was enabled. */
  readonly level: number | null;
  readonly ramp: Ramp | null;
  readonly required: readonly number[];
  /** Per level: live members that read it. */
  readonly readers: Readonly<Record<string, number>>;
  readonly memberCount: number;
  /** The level a release would enable next, or null. */
  readonly next: number | null;
  /** How many members block `next`. */
  readonly blockers: number;
}

/** What `twostep watch` compares from one poll to the next (also its `--json` status event). */
export interface WatchSnapshot {
  readonly at: number;
  readonly members: { readonly total: number; readonly live: number; readonly stale: number; readonly neverSeen: number };
  readonly capabilities: readonly CapabilitySnapshot[];
}

/** Reduces a status to what the watch follows. */
export function watchSnapshot(status: FleetStatus): WatchSnapshot {
  return {
    at: status.at,
    members: { total: status.memberCount, ...countByState(status.members) },
    capabilities: status.capabilities.map((entry) => ({
      capability: entry.capability,
      level: entry.record?.level ?? null,
      ramp: entry.record?.ramp ?? null,
      required: entry.required,
      readers: entry.readers,
      memberCount: status.memberCount,
      next: entry.next,
      blockers: entry.blockers.length,
    })),
  };
}

/** True when two snapshots differ in anything but their time. */
export function snapshotChanged(previous: WatchSnapshot | undefined, next: WatchSnapshot): boolean {
  return previous === undefined || JSON.stringify({ ...previous, at: 0 }) !== JSON.stringify({ ...next, at: 0 });
}

/**
 * The lines of `twostep watch --lines` for what changed since `previous`
 * (everything on the first poll): member counts, write states, readers per
 * level (`orders.OrderPlaced: v2 readers 5/12`) and whether the next level
 * is read-ready.
 */
export function watchChanges(previous: WatchSnapshot | undefined, next: WatchSnapshot): string[] {
  const lines: string[] = [];
  const { total, live, stale, neverSeen } = next.members;
  if (previous === undefined || JSON.stringify(previous.members) !== JSON.stringify(next.members)) {
    lines.push(`fleet: ${total} members (${live} live, ${stale} stale, ${neverSeen} never seen)`);
  }
  const before = new Map(previous?.capabilities.map((entry) => [entry.capability, entry]));
  for (const entry of next.capabilities) {
    const old = before.get(entry.capability);
    const name = entry.capability;
    const state = (snapshot: CapabilitySnapshot) =>
      `${describeWriteState(snapshot.level === null ? null : { level: snapshot.level, ramp: snapshot.ramp })}, required ${formatLevels(snapshot.required)}`;
    if (old === undefined || state(old) !== state(entry)) lines.push(`${name}: ${state(entry)}`);
    for (const level of Object.keys(entry.readers).sort((a, b) => Number(a) - Number(b))) {
      const count = entry.readers[level] ?? 0;
      if (old?.readers[level] !== count || old.memberCount !== entry.memberCount) lines.push(`${name}: v${level} readers ${count}/${entry.memberCount}`);
    }
    for (const level of Object.keys(old?.readers ?? {})) {
      if (entry.readers[level] === undefined) lines.push(`${name}: v${level} readers 0/${entry.memberCount}`);
    }
    if (entry.next !== null && (old?.next !== entry.next || (old.blockers === 0) !== (entry.blockers === 0))) {
      lines.push(
        entry.blockers === 0
          ? `${name}: v${entry.next} read-ready (every member reads it)`
          : `${name}: v${entry.next} blocked by ${entry.blockers} member${entry.blockers === 1 ? "" : "s"}`,
      );
    }
  }
  return lines;
}
