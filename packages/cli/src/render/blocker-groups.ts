import type { Blocker } from "@twostep/fleet";
import { formatAge } from "./format-time.js";
import { plain, type Style } from "./style.js";
import { byCodeUnit, naturalOrder } from "./natural-order.js";

/** Blockers that share a reason, a level, a service and a build: shown as one line however many nodes they hold. */
export interface BlockerGroup {
  /** A {@link BlockerReason}, or a newer twostep's reason, shown as it is. */
  readonly reason: string;
  readonly level: number;
  readonly service: string;
  readonly build: string;
  /** Node ids, each once, in natural order (`node-2` before `node-10`). */
  readonly nodeIds: readonly string[];
  /** The oldest heartbeat among them, when any was seen. */
  readonly lastSeen: number | null;
}

/** How a group of blockers is rendered. */
export interface BlockerGroupOptions {
  /** Node ids named per group before `… and N more`. Defaults to 5. */
  readonly names?: number;
  /** Groups shown before `… and N more groups`. Defaults to 8. */
  readonly groups?: number;
  /** The time ages are told against (the status time). */
  readonly now: number;
  readonly style?: Style;
  /** Add the ways out (deploy readers, wait, restart or decommission). Defaults to true; a history shows only who blocked. */
  readonly advice?: boolean;
}

/** Groups blockers by reason, level, service and build: the largest group first, then by service, build, reason and level, node ids in natural order (an order that never depends on the blockers'). */
export function groupBlockers(blockers: readonly Blocker[]): BlockerGroup[] {
  const groups = new Map<string, { head: Blocker; nodeIds: Set<string>; lastSeen: number | null }>();
  for (const blocker of blockers) {
    const key = JSON.stringify([blocker.reason, blocker.level, blocker.service, blocker.build]);
    const group = groups.get(key) ?? { head: blocker, nodeIds: new Set<string>(), lastSeen: null };
    group.nodeIds.add(blocker.nodeId);
    if (blocker.lastSeen !== null) group.lastSeen = Math.min(group.lastSeen ?? blocker.lastSeen, blocker.lastSeen);
    groups.set(key, group);
  }
  return [...groups.values()]
    .map(({ head, nodeIds, lastSeen }) => ({
      reason: head.reason,
      level: head.level,
      service: head.service,
      build: head.build,
      nodeIds: [...nodeIds].sort(naturalOrder),
      lastSeen,
    }))
    .sort(
      (a, b) =>
        b.nodeIds.length - a.nodeIds.length ||
        naturalOrder(a.service, b.service) ||
        naturalOrder(a.build, b.build) ||
        byCodeUnit(a.reason, b.reason) ||
        a.level - b.level,
    );
}

/**
 * One line per group, such as `8 × no reader of v2 in build orders@1.4.0
 * (service orders): zone-b-1, zone-b-2, … and 3 more`, then one line per
 * way out (deploy readers or writers; wait; restart or decommission).
 */
export function renderBlockerGroups(groups: readonly BlockerGroup[], options: BlockerGroupOptions): string[] {
  const style = options.style ?? plain;
  const shownGroups = options.groups ?? 8;
  const lines = groups.slice(0, shownGroups).map((group) => `${style.yellow(`${group.nodeIds.length} ×`)} ${groupLine(group, options)}`);
  if (groups.length > shownGroups) {
    const hidden = groups.slice(shownGroups).reduce((sum, group) => sum + group.nodeIds.length, 0);
    lines.push(style.dim(`… and ${groups.length - shownGroups} more groups (${hidden} nodes): --json lists every blocker`));
  }
  if (options.advice === false) return lines;
  return [...lines, ...renderBlockerAdvice(groups, style)];
}

/** The ways out of `groups`, a line each: `→ deploy a build that reads v2 on orders`. */
export function renderBlockerAdvice(groups: readonly BlockerGroup[], style: Style = plain): string[] {
  return advice(groups).map((line) => style.dim(`→ ${line}`));
}

function groupLine(group: BlockerGroup, options: BlockerGroupOptions): string {
  const where = `in build ${group.build} (service ${group.service})`;
  const names = nameList(group.nodeIds, options.names ?? 5);
  const level = `v${group.level}`;
  switch (group.reason) {
    case "no-reader":
      return `no reader of ${level} ${where}: ${names}`;
    case "no-writer":
      return `could write no level every member reads at or below ${level} ${where}: ${names}`;
    case "keeps-writing":
      return `would keep writing a lower level than ${level} ${where}: ${names}`;
    case "unknown-build":
      return `build cannot be told (its record is missing or unreadable) ${where}: ${names}`;
    case "stale":
      return `no live heartbeat${group.lastSeen === null ? "" : ` (last ${formatAge(group.lastSeen, options.now)})`} ${where}: ${names}`;
    case "starting":
      return `still starting, no heartbeat yet ${where}: ${names}`;
    case "not-applied":
      return `not yet applied the record's latest revision ${where}: ${names}`;
    case "still-writing":
      return `may still write ${level} ${where}: ${names}`;
    default:
      return `${group.reason} (${level}) ${where}: ${names}`;
  }
}

/** `a, b, c, … and 3 more`: the first `shown` names of a list. */
export function nameList(nodeIds: readonly string[], shown: number): string {
  // Naming all but one would be silly: "… and 1 more" costs as much as the name.
  if (nodeIds.length <= shown + 1) return nodeIds.join(", ");
  return `${nodeIds.slice(0, shown).join(", ")}, … and ${nodeIds.length - shown} more`;
}

function advice(groups: readonly BlockerGroup[]): string[] {
  const lines: string[] = [];
  const services = (reasons: readonly string[]) => {
    const byLevel = new Map<number, Set<string>>();
    for (const group of groups.filter((candidate) => reasons.includes(candidate.reason))) {
      byLevel.set(group.level, (byLevel.get(group.level) ?? new Set()).add(group.service));
    }
    return [...byLevel].sort(([a], [b]) => a - b).map(([level, names]) => [level, [...names].sort(naturalOrder).join(", ")] as const);
  };
  for (const [level, names] of services(["no-reader"])) lines.push(`deploy a build that reads v${level} on ${names}`);
  for (const [level, names] of services(["no-writer", "keeps-writing"])) lines.push(`deploy a build that writes v${level} on ${names}`);
  for (const [level] of services(["still-writing"]))
    lines.push(`move writers off v${level} first (twostep enable-write or disable-write), then wait out the drain window`);
  const reasons = new Set(groups.map((group) => group.reason));
  if (reasons.has("starting") || reasons.has("not-applied")) lines.push("wait a heartbeat or two, then try again");
  if (reasons.has("stale") || reasons.has("unknown-build")) {
    lines.push("restart nodes without a live heartbeat, or remove the ones that are gone once their lease expired: twostep decommission NODE --reason TEXT");
  }
  return lines;
}
