import type { Change } from "@twostep/fleet";
import { plain, type Style } from "./style.js";
import { describeWriteState } from "./write-state.js";

/** What a committed change did: `done: enable v2 of orders.OrderPlaced, rev 3→4`, and the state it left. */
export function renderChange(change: Change, style: Style = plain): string[] {
  const subject = change.capability === null ? "" : ` of ${change.capability}`;
  if (!change.changed) return [`${style.green("already in force")}: ${change.request}${subject}; nothing changed`];
  const revisions = change.capability === null ? "" : `, rev ${change.before?.revision ?? 0}→${change.after?.revision ?? 0}`;
  const who = change.audit === null ? "" : `, recorded as ${change.audit.actor}: "${change.audit.reason}"`;
  const lines = [`${style.green("done")}: ${change.request}${subject}${revisions}${who}`];
  if (change.after !== null) lines.push(`  now ${describeWriteState(change.after.value)}`);
  return lines;
}
