import type { MemberState, MemberStatus } from "@twostep/fleet";
import { describeSupport } from "./write-state.js";
import { naturalOrder } from "./natural-order.js";

/** How many members are in each state. */
export type StateCounts = Readonly<Record<MemberState, number>>;

/** Members of one service on one build: counted by state, with what they read and write. */
export interface MemberGroup extends StateCounts {
  readonly service: string;
  readonly build: string;
  /** Node ids, each once, in natural order. */
  readonly nodeIds: readonly string[];
  /**
   * Per capability, what the group's builds say (`reads v1..v2, writes
   * v1..v2`); more than one entry when nodes of one build disagree.
   */
  readonly capabilities: Readonly<Record<string, readonly string[]>>;
}

/** The states in the order views show them. */
export const MEMBER_STATES: readonly MemberState[] = ["starting", "live", "stale", "expired"];

/**
 * Groups members by service and build, in natural order. With `capability`,
 * only what they do with that capability is kept.
 */
export function groupMembers(members: readonly MemberStatus[], capability?: string): MemberGroup[] {
  const groups = new Map<string, { service: string; build: string; members: MemberStatus[] }>();
  for (const member of members) {
    const key = JSON.stringify([member.service, member.build]);
    const group = groups.get(key) ?? { service: member.service, build: member.build, members: [] };
    group.members.push(member);
    groups.set(key, group);
  }
  return [...groups.values()]
    .sort((a, b) => naturalOrder(a.service, b.service) || naturalOrder(a.build, b.build))
    .map((group) => {
      const capabilities = new Map<string, Set<string>>();
      // Members of one build share its capabilities object: each is described once.
      const described = new Set<MemberStatus["capabilities"]>();
      for (const member of group.members) {
        if (described.has(member.capabilities)) continue;
        described.add(member.capabilities);
        for (const [name, support] of Object.entries(member.capabilities)) {
          if (capability !== undefined && name !== capability) continue;
          capabilities.set(name, (capabilities.get(name) ?? new Set()).add(describeSupport(support)));
        }
      }
      return {
        service: group.service,
        build: group.build,
        ...countByState(group.members),
        nodeIds: [...new Set(group.members.map((member) => member.nodeId))].sort(naturalOrder),
        capabilities: Object.fromEntries([...capabilities].sort(([a], [b]) => naturalOrder(a, b)).map(([name, seen]) => [name, [...seen].sort()])),
      };
    });
}

/** How many members are in each state. */
export function countByState(members: readonly MemberStatus[]): StateCounts {
  const counts: Record<MemberState, number> = { starting: 0, live: 0, stale: 0, expired: 0 };
  for (const member of members) counts[member.state] = (counts[member.state] ?? 0) + 1;
  return counts;
}

/** The counts by state of a group that holds more (a `LabelGroup`), alone, in {@link MEMBER_STATES} order. */
export function stateCountsOf(group: StateCounts): StateCounts {
  return Object.fromEntries(MEMBER_STATES.map((state) => [state, group[state]])) as StateCounts;
}

/** Counts of members by state, for headers: `100 members: 96 live, 3 stale, 1 expired` (states without members left out). */
export function describeMemberCounts(members: readonly MemberStatus[]): string {
  const counts = countByState(members);
  const parts = MEMBER_STATES.filter((state) => counts[state] > 0 || state === "live").map((state) => `${counts[state]} ${state}`);
  return `${members.length} member${members.length === 1 ? "" : "s"}: ${parts.join(", ")}`;
}
