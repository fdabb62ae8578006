import type { Convergence } from "@twostep/fleet";
import { formatSince } from "./format-time.js";

/**
 * `applied by 48 of 50; waiting on shop-7, stale for 2 min; shop-9, live,
 * on rev 5`: who follows a capability's current record, naming the first
 * `names` members still waiting.
 */
export function convergenceLine(convergence: Convergence, now: number, names = 3): string {
  const head = `applied by ${convergence.applied} of ${convergence.of}`;
  if (convergence.waiting.length === 0) return convergence.of === 0 ? "no member takes part" : `${head}: every member follows the current record`;
  const waiting = convergence.waiting.slice(0, names).map((member) => describeWaiting(member, now));
  const more = convergence.waiting.length > names ? `; … and ${convergence.waiting.length - names} more` : "";
  return `${head}; waiting on ${waiting.join("; ")}${more}`;
}

/** One member a record waits on, as `shop-7, stale for 2 min`, `shop-9, live, on rev 5` or `shop-3, starting`. */
export function describeWaiting(member: Convergence["waiting"][number], now: number): string {
  switch (member.state) {
    case "live":
      return `${member.nodeId}, live, on rev ${member.applied}`;
    case "starting":
      return `${member.nodeId}, starting`;
    default:
      return member.lastSeen === null
        ? `${member.nodeId}, ${member.state}, never seen`
        : `${member.nodeId}, ${member.state} for ${formatSince(member.lastSeen, now)}`;
  }
}
