import type { AuditEntry } from "@twostep/fleet";
import { alignColumns, type Cell } from "./align-columns.js";
import { groupBlockers, renderBlockerGroups } from "./blocker-groups.js";
import { formatClock, formatTime } from "./format-time.js";
import { plain, type Style } from "./style.js";

/** Actions that undid or stopped a change: shown in red. */
const UNDONE: ReadonlySet<string> = new Set(["refused", "withdraw", "guard-revert", "unreadable"]);

/** `rev 3→5` for a write, `rev 3` for a refusal (nothing moved). */
function formatRevisions(entry: AuditEntry): string {
  return entry.note.action === "refused" ? `rev ${entry.note.revisionBefore}` : `rev ${entry.note.revisionBefore}→${entry.revision}`;
}

/** What an entry concerns: the capability, `node NODE` for a decommission, else the control plane (init, reconcile). */
function auditSubject(entry: AuditEntry): string {
  return entry.capability ?? (entry.nodeId === null ? "control plane" : `node ${entry.nodeId}`);
}

/** Why, quoted; for an entry that cannot be read, its problem. */
function why(entry: AuditEntry): string {
  return entry.problem === null ? JSON.stringify(entry.note.reason) : `cannot be read: ${entry.problem}`;
}

/** One entry on one line, for live views: `10:00:00 alice enable-write orders.OrderPlaced enable v1 rev 0→2 "canary"`. */
export function auditLine(entry: AuditEntry): string {
  const blocked = entry.note.blockerCount === 0 ? "" : ` (${entry.note.blockerCount} blocker${entry.note.blockerCount === 1 ? "" : "s"})`;
  const { note } = entry;
  return `${formatClock(entry.storedAt)} ${note.actor} ${note.action} ${auditSubject(entry)} ${note.request} ${formatRevisions(entry)}${blocked} ${why(entry)}`;
}

/**
 * The history as a table, oldest first: when (the control plane's clock),
 * who, what was done to what, the revisions before→after and why; under a
 * refusal or a withdrawal, its blockers, grouped. An entry that cannot be
 * read is shown with its problem, never left out.
 */
export function renderHistory(entries: readonly AuditEntry[], style: Style = plain): string[] {
  if (entries.length === 0) return ["No recorded changes yet."];
  const rows: Cell[][] = [["WHEN", "WHO", "ACTION", "OF", "REQUEST", "REVISION", "WHY"].map((text) => ({ text, paint: style.dim }))];
  const details = new Map<number, string[]>();
  for (const entry of entries) {
    const { note } = entry;
    rows.push([
      formatTime(entry.storedAt),
      note.actor,
      { text: note.action, paint: UNDONE.has(note.action) ? style.red : style.green },
      auditSubject(entry),
      note.request,
      formatRevisions(entry),
      why(entry),
    ]);
    if (note.blockerCount > 0) {
      const groups = renderBlockerGroups(groupBlockers(note.blockers), { now: entry.storedAt, style, groups: 3, advice: false });
      const unrecorded = note.blockerCount - note.blockers.length;
      if (unrecorded > 0) groups.push(style.dim(`… and ${unrecorded} more blockers, counted but not recorded`));
      details.set(
        rows.length - 1,
        groups.map((line) => `      ${line}`),
      );
    }
  }
  return alignColumns(rows).flatMap((line, index) => [line, ...(details.get(index) ?? [])]);
}
