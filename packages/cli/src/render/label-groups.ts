import type { Blocker, MemberStatus } from "@twostep/fleet";
import { type BlockerGroup, type BlockerGroupOptions, groupBlockers, renderBlockerGroups } from "./blocker-groups.js";
import { countByState, type StateCounts } from "./member-groups.js";
import { plain } from "./style.js";
import { naturalOrder } from "./natural-order.js";

/** Members that share one value of a label (`zone=us-east-1a`), counted by state, with the builds they run. */
export interface LabelGroup extends StateCounts {
  readonly label: string;
  /** The label's value; null for the members that do not have the label. */
  readonly value: string | null;
  /** Node ids, each once, in natural order. */
  readonly nodeIds: readonly string[];
  /** Members per build. */
  readonly builds: Readonly<Record<string, number>>;
}

/** The blockers of a next level among the members with one value of a label. */
export interface LabelBlockers {
  readonly value: string | null;
  /** Members of that value that block it. */
  readonly blockers: number;
  readonly blockerGroups: readonly BlockerGroup[];
}

/** Groups members by the value of `label`, values in natural order, members without it last. */
export function groupByLabel(members: readonly MemberStatus[], label: string): LabelGroup[] {
  return byValue(members, (member) => member.labels[label] ?? null).map(([value, group]) => {
    const builds: Record<string, number> = {};
    for (const member of group) builds[member.build] = (builds[member.build] ?? 0) + 1;
    return {
      label,
      value,
      ...countByState(group),
      nodeIds: [...new Set(group.map((member) => member.nodeId))].sort(naturalOrder),
      builds: Object.fromEntries(Object.entries(builds).sort(([a], [b]) => naturalOrder(a, b))),
    };
  });
}

/** Groups blockers by the value of `label` on the member each one concerns (an incarnation `members` lacks has no value). */
export function blockersByLabel(blockers: readonly Blocker[], members: readonly MemberStatus[], label: string): LabelBlockers[] {
  const labels = new Map(members.map((member) => [`${member.nodeId}\u0000${member.incarnation}`, member.labels]));
  return byValue(blockers, (blocker) => labels.get(`${blocker.nodeId}\u0000${blocker.incarnation}`)?.[label] ?? null).map(([value, group]) => ({
    value,
    blockers: new Set(group.map((blocker) => `${blocker.nodeId}\u0000${blocker.incarnation}`)).size,
    blockerGroups: groupBlockers(group),
  }));
}

/** Per value of `label`: `zone=us-east-1a: 2 blocking`, then that value's blocker groups, indented (their advice is left to the caller). */
export function renderBlockersByLabel(groups: readonly LabelBlockers[], label: string, options: BlockerGroupOptions): string[] {
  const style = options.style ?? plain;
  return groups.flatMap((group) => [
    `${style.bold(describeLabelValue(label, group.value))}: ${group.blockers} blocking`,
    ...renderBlockerGroups(group.blockerGroups, { ...options, advice: false }).map((line) => `  ${line}`),
  ]);
}

/** `zone=us-east-1a`, or `no zone` for the members without the label. */
export function describeLabelValue(label: string, value: string | null): string {
  return value === null ? `no ${label}` : `${label}=${value}`;
}

/** Items by the value `labelOf` gives: values in natural order, null last. */
function byValue<T>(items: readonly T[], labelOf: (item: T) => string | null): [string | null, T[]][] {
  const groups = new Map<string | null, T[]>();
  for (const item of items) {
    const value = labelOf(item);
    groups.set(value, [...(groups.get(value) ?? []), item]);
  }
  return [...groups].sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : naturalOrder(a, b)));
}
