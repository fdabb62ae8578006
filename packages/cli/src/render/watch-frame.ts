import type { AuditEntry, FleetStatus } from "@twostep/fleet";
import { groupBlockers, renderBlockerGroups } from "./blocker-groups.js";
import { convergenceLine } from "./convergence-line.js";
import { formatReaders } from "./format-readers.js";
import { formatClock } from "./format-time.js";
import { auditLine } from "./history-view.js";
import { blockersByLabel, describeLabelValue, groupByLabel, renderBlockersByLabel } from "./label-groups.js";
import { describeMemberCounts } from "./member-groups.js";
import { progressBar } from "./progress-bar.js";
import { plain, type Style } from "./style.js";
import { describeWriteState, formatLevels } from "./write-state.js";

/** What one frame of the live `twostep watch` shows. */
export interface WatchFrame {
  readonly status: FleetStatus;
  /** The latest audit entries, oldest first. */
  readonly recent: readonly AuditEntry[];
  /** Why the last poll failed, while it does. */
  readonly problem?: string;
  /** Group the members, and the blockers of each next level, by this label's value. */
  readonly by?: string;
}

/**
 * One frame of the live view, redrawn in place: what is wrong with the
 * store, then per capability its write state, readers per level, who
 * applied its record, and a bar of members that read the next level
 * (read-ready when full) with its largest blocker groups (per value of a
 * label with `by`, the members counted per value too); then the recent
 * changes.
 */
export function renderWatchFrame(frame: WatchFrame, style: Style = plain): string[] {
  const { status } = frame;
  const lines = [`${style.bold("twostep watch")}  ${describeMemberCounts(status.members)}  ${style.dim(`${formatClock(status.at)} UTC · Ctrl-C stops`)}`];
  const { by } = frame;
  if (by !== undefined) {
    const groups = groupByLabel(status.members, by).map(
      (group) => `${describeLabelValue(by, group.value)} ${group.live} live${group.stale > 0 ? `, ${group.stale} stale` : ""}`,
    );
    lines.push(`  ${groups.length === 0 ? "no members" : groups.join(" · ")}`);
  }
  if (frame.problem !== undefined) lines.push(style.red(`last poll failed, retrying: ${frame.problem}`));
  if (status.plane.regressed.length > 0) lines.push(style.red("the store went backwards: changes wait for twostep reconcile (twostep status shows why)"));
  if (status.plane.unreadable.length > 0) lines.push(style.red(`${status.plane.unreadable.length} records cannot be read (twostep status lists them)`));
  if (status.capabilities.length === 0) lines.push("", "no capability declared or enabled yet");
  for (const entry of status.capabilities) {
    const state = entry.problem === null ? describeWriteState(entry.record) : style.red(`record cannot be read: ${entry.problem}`);
    lines.push("", `${style.bold(style.cyan(entry.capability))}  ${state}  ${style.dim(`required ${formatLevels(entry.required)}`)}`);
    lines.push(`  readers  ${formatReaders(entry.readers, entry.participants) ?? "none"}`);
    if (entry.record !== null) lines.push(`  ${convergenceLine(entry.convergence, status.at, 2)}`);
    if (entry.next === null) continue;
    const reading = entry.readers[entry.next] ?? 0;
    const ready = entry.blockers.length === 0;
    const verdict = ready ? style.green("read-ready") : style.yellow(`${entry.blockers.length} to go`);
    lines.push(`  v${entry.next}       ${progressBar(reading, entry.participants)} ${reading}/${entry.participants} read it: ${verdict}`);
    if (ready) continue;
    const options = { now: status.at, style, groups: 3, names: 3, advice: false } as const;
    const blockerLines =
      by === undefined
        ? renderBlockerGroups(groupBlockers(entry.blockers), options)
        : renderBlockersByLabel(blockersByLabel(entry.blockers, status.members, by), by, options);
    lines.push(...blockerLines.map((line) => `    ${line}`));
  }
  lines.push("", style.bold("Recent changes"));
  if (frame.recent.length === 0) lines.push(style.dim("  none yet"));
  for (const entry of frame.recent) lines.push(`  ${auditLine(entry)}`);
  return lines;
}
