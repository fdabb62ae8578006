import type { MemberStatus } from "@twostep/fleet";
import { describeSupport } from "./write-state.js";

/** Members of one service on one build: counted by state, with what they read and write. */
export interface MemberGroup {
  readonly service: string;
  readonly build: string;
  readonly live: number;
  readonly stale: number;
  readonly neverSeen: number;
  /** Node ids, in natural order. */
  readonly nodeIds: readonly string[];
  /**
   * Per capability, what the group's advertisements say (`reads v1..v2,
   * writes v1..v2`); more than one entry when nodes of one build disagree.
   */
  readonly capabilities: Readonly<Record<string, readonly string[]>>;
}

const naturally = new Intl.Collator("en", { numeric: true });

/**
 * Groups members by service and build, in natural order. With `capability`,
 * only what they do with that capability is kept. A never-seen member
 * contributes its state but nothing it reads.
 */
export function groupMembers(members: readonly MemberStatus[], capability?: string): MemberGroup[] {
  const groups = new Map<
    string,
    { service: string; build: string; counts: Record<MemberStatus["state"], number>; nodeIds: string[]; capabilities: Map<string, Set<string>> }
  >();
  for (const member of members) {
    const key = JSON.stringify([member.service, member.build]);
    const group = groups.get(key) ?? {
      service: member.service,
      build: member.build,
      counts: { live: 0, stale: 0, "never-seen": 0 },
      nodeIds: [],
      capabilities: new Map<string, Set<string>>(),
    };
    group.counts[member.state]++;
    group.nodeIds.push(member.nodeId);
    for (const [name, support] of Object.entries(member.capabilities)) {
      if (capability !== undefined && name !== capability) continue;
      group.capabilities.set(name, (group.capabilities.get(name) ?? new Set()).add(describeSupport(support)));
    }
    groups.set(key, group);
  }
  return [...groups.values()]
    .sort((a, b) => naturally.compare(a.service, b.service) || naturally.compare(a.build, b.build))
    .map((group) => ({
      service: group.service,
      build: group.build,
      live: group.counts.live,
      stale: group.counts.stale,
      neverSeen: group.counts["never-seen"],
      nodeIds: group.nodeIds.sort(naturally.compare),
      capabilities: Object.fromEntries([...group.capabilities].sort(([a], [b]) => naturally.compare(a, b)).map(([name, seen]) => [name, [...seen].sort()])),
    }));
}

/** How many members are live, stale and never seen. */
export function countByState(members: readonly MemberStatus[]): { live: number; stale: number; neverSeen: number } {
  const counts = { live: 0, stale: 0, "never-seen": 0 };
  for (const member of members) counts[member.state]++;
  return { live: counts.live, stale: counts.stale, neverSeen: counts["never-seen"] };
}

/** Counts of members by state, for headers: `100 members: 96 live, 3 stale, 1 never seen`. */
export function describeMemberCounts(members: readonly MemberStatus[]): string {
  const { live, stale, neverSeen } = countByState(members);
  const parts = [`${live} live`];
  if (stale > 0) parts.push(`${stale} stale`);
  if (neverSeen > 0) parts.push(`${neverSeen} never seen`);
  return `${members.length} member${members.length === 1 ? "" : "s"}: ${parts.join(", ")}`;
}
