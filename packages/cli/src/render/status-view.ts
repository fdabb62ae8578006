import type { CapabilityStatus, FleetStatus } from "@twostep/fleet";
import { alignColumns, type Cell } from "./align-columns.js";
import { groupBlockers, renderBlockerGroups } from "./blocker-groups.js";
import { formatReaders } from "./format-readers.js";
import { formatAge, formatTime } from "./format-time.js";
import { describeMemberCounts, groupMembers } from "./member-groups.js";
import { plain, type Style } from "./style.js";
import { formatLevels, formatRamp } from "./write-state.js";

/** What {@link renderStatus} shows. */
export interface StatusViewOptions {
  /** The capability asked for: node groups then show only what they do with it. */
  readonly capability?: string;
  readonly style?: Style;
}

/**
 * `twostep status` as text: per capability its write state, readers per
 * level and who blocks the next level (grouped); then the members grouped by
 * service and build. Grows with capabilities, builds and blocker kinds, not
 * with nodes: a fleet of 100 nodes on a few builds fits one screen.
 */
export function renderStatus(status: FleetStatus, options: StatusViewOptions = {}): string[] {
  const style = options.style ?? plain;
  const lines = [`${style.bold("Fleet")}  ${describeMemberCounts(status.members)}  ${style.dim(`at ${formatTime(status.at)}`)}`];
  if (status.capabilities.length === 0 && status.members.length === 0) {
    return [...lines, "", "No members and no write levels yet: nodes appear here once they start (startNode in @twostep/fleet)."];
  }
  for (const capability of status.capabilities) lines.push("", ...renderCapability(capability, status, style));
  return [...lines, "", ...renderMemberGroups(status, options.capability, style)];
}

function renderCapability(capability: CapabilityStatus, status: FleetStatus, style: Style): string[] {
  const record = capability.record;
  const rows: Cell[][] = [];
  if (record === null) {
    rows.push(["write level", "none enabled yet: writers use their build's default"]);
  } else {
    rows.push(["write level", `v${record.level} since ${formatTime(record.levelSince)} by ${record.levelSetBy}${quoted(record.levelReason)}`]);
    rows.push(["ramp", record.ramp === null ? "none" : formatRamp(record.ramp)]);
    rows.push([
      "ever written",
      `${formatLevels(record.everWritten)}   retired: ${formatLevels(record.retired)}   required: ${formatLevels(capability.required)}`,
    ]);
    if (record.intent !== null) {
      rows.push([
        { text: "pending", paint: style.yellow },
        `intent to require ${formatLevels(record.intent.levels)} by ${record.intent.actor}, ${formatAge(record.intent.at, status.at)}${quoted(record.intent.reason)}`,
      ]);
    }
  }
  rows.push(["readers", formatReaders(capability.readers, status.memberCount) ?? "no live member reads it"]);
  const ready = capability.blockers.length === 0;
  if (capability.next !== null) {
    rows.push([
      "next level",
      ready
        ? `v${capability.next}: ${style.green("ready")}, every member reads it from a live heartbeat`
        : `v${capability.next}: ${style.red(`blocked by ${capability.blockers.length} of ${status.memberCount} members`)}`,
    ]);
  }
  const lines = [`${style.bold(style.cyan(capability.capability))}  ${style.dim(`rev ${capability.revision}`)}`, ...alignColumns(rows, "  ")];
  if (capability.next === null || ready) return lines;
  return [...lines, ...renderBlockerGroups(groupBlockers(capability.blockers), { now: status.at, style }).map((line) => `    ${line}`)];
}

function renderMemberGroups(status: FleetStatus, capability: string | undefined, style: Style): string[] {
  const groups = groupMembers(status.members, capability);
  if (groups.length === 0) return [style.bold("Nodes"), "  none: no member has joined"];
  const header: Cell[] = ["SERVICE", "BUILD", "LIVE", "STALE", "NEVER SEEN", capability ?? "READS / WRITES"].map((text) => ({ text, paint: style.dim }));
  const rows: Cell[][] = [header];
  for (const group of groups) {
    const support = Object.entries(group.capabilities).map(([name, seen]) => (capability === undefined ? `${name} ${seen.join(" | ")}` : seen.join(" | ")));
    const counts = [count(group.live, style.green), count(group.stale, style.yellow), count(group.neverSeen, style.red)];
    rows.push([group.service, group.build, ...counts, support[0] ?? "advertises nothing"]);
    for (const more of support.slice(1)) rows.push(["", "", "", "", "", more]);
  }
  return [style.bold("Nodes by service and build"), ...alignColumns(rows, "  ")];
}

function count(value: number, paint: (text: string) => string): Cell {
  return value === 0 ? { text: "·", paint: (text) => text } : { text: String(value), paint };
}

function quoted(reason: string): string {
  return reason === "" ? "" : `: "${reason}"`;
}
