import type { AuditEntry } from "@twostep/fleet";
import { alignColumns, type Cell } from "./align-columns.js";
import { groupBlockers, renderBlockerGroups } from "./blocker-groups.js";
import { formatClock, formatTime } from "./format-time.js";
import { plain, type Style } from "./style.js";

/** `rev 3→4`, or `rev 3` when the revision did not move (a refusal). */
function formatRevisions(entry: AuditEntry): string {
  return entry.revisionBefore === entry.revisionAfter ? `rev ${entry.revisionBefore}` : `rev ${entry.revisionBefore}→${entry.revisionAfter}`;
}

/** What an entry changed: the capability, or `node NODE` for a decommission. */
function auditSubject(entry: AuditEntry): string {
  return entry.capability ?? (entry.nodeId === null ? "-" : `node ${entry.nodeId}`);
}

/** One entry on one line, for live views: `10:00:00 alice enable-write orders.OrderPlaced enable v2 rev 3→4 "canary"`. */
export function auditLine(entry: AuditEntry): string {
  const blocked = entry.blockers.length === 0 ? "" : ` (${entry.blockers.length} blockers)`;
  return `${formatClock(entry.at)} ${entry.actor} ${entry.action} ${auditSubject(entry)} ${entry.request} ${formatRevisions(entry)}${blocked} "${entry.reason}"`;
}

/**
 * The history as a table, oldest first: when, who, what was done to what,
 * the revisions before→after and why; under a refusal or a revert, its
 * blockers, grouped.
 */
export function renderHistory(entries: readonly AuditEntry[], style: Style = plain): string[] {
  if (entries.length === 0) return ["No recorded changes yet."];
  const rows: Cell[][] = [["WHEN", "WHO", "ACTION", "OF", "REQUEST", "REVISION", "WHY"].map((text) => ({ text, paint: style.dim }))];
  const details = new Map<number, string[]>();
  for (const entry of entries) {
    const refused = entry.action === "refused" || entry.action === "revert" || entry.action === "guard-revert";
    rows.push([
      formatTime(entry.at),
      entry.actor,
      { text: entry.action, paint: refused ? style.red : style.green },
      auditSubject(entry),
      entry.request,
      formatRevisions(entry),
      JSON.stringify(entry.reason),
    ]);
    if (entry.blockers.length > 0) {
      const groups = renderBlockerGroups(groupBlockers(entry.blockers), { now: entry.at, style, groups: 3, advice: false });
      details.set(
        rows.length - 1,
        groups.map((line) => `      ${line}`),
      );
    }
  }
  return alignColumns(rows).flatMap((line, index) => [line, ...(details.get(index) ?? [])]);
}
