import type { Change } from "@twostep/fleet";
import { plain, type Style } from "./style.js";
import { describeWriteState } from "./write-state.js";

/** What a committed change did: `done: enable v2 of orders.OrderPlaced, rev 3→5, recorded as alice: "canary"`, and the state it left. */
export function renderChange(change: Change, style: Style = plain): string[] {
  const subject = change.capability === null ? "" : ` of ${change.capability}`;
  if (!change.changed) return [`${style.green("already in force")}: ${change.request}${subject}; nothing changed`];
  const revisions = change.capability === null ? "" : `, rev ${change.before?.revision ?? 0}→${change.after?.revision ?? "forgotten"}`;
  const who = change.note === null ? "" : `, recorded as ${change.note.actor}: "${change.note.reason}"`;
  const lines = [`${style.green("done")}: ${change.request}${subject}${revisions}${who}`];
  if (change.after !== null) lines.push(`  now ${describeWriteState(change.after.value)}`);
  else if (change.capability !== null) lines.push("  its record is gone: nobody writes it, as if it was never enabled");
  return lines;
}
