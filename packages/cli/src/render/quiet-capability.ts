import type { CapabilityStatus, Convergence } from "@twostep/fleet";
import { naturalOrder } from "./natural-order.js";

/** How many capabilities are shown in full, each, before those with nothing to act on share a table (the text of `status`) or a card (the dashboard). */
export const SHOWN_IN_FULL_UP_TO = 12;

/**
 * True for a capability with nothing to act on, its rollout plan apart
 * (which the status does not hold): its record is read and writes a level
 * (or it has none, and nothing is enabled), with no ramp and no pending
 * intent, every live member taking part applied it, and nobody blocks its
 * next level. A member that is not live (starting, stale, expired) is not
 * the capability's to act on: every record it takes part in waits on it,
 * and it is named once for all of them (see {@link notLiveWaitedOn}).
 */
export function hasNothingToActOn(capability: CapabilityStatus): boolean {
  const record = capability.record;
  return (
    capability.problem === null &&
    (record === null || (record.ramp === null && record.intent === null)) &&
    capability.convergence.waiting.every((member) => member.state !== "live") &&
    capability.blockers.length === 0
  );
}

/** One member a capability's record waits on. */
type Waiting = Convergence["waiting"][number];

/** The members that are not live which any of `capabilities` waits on, each once (by node id and incarnation), in natural order. */
export function notLiveWaitedOn(capabilities: readonly Pick<CapabilityStatus, "convergence">[]): Waiting[] {
  const found = new Map<string, Waiting>();
  for (const capability of capabilities) {
    for (const member of capability.convergence.waiting) {
      const key = `${member.nodeId}\u0000${member.incarnation}`;
      if (member.state !== "live" && !found.has(key)) found.set(key, member);
    }
  }
  return [...found.values()].sort((a, b) => naturalOrder(a.nodeId, b.nodeId) || naturalOrder(a.incarnation, b.incarnation));
}

/** What to do about members that are not live, in these states, which records wait on: for each state there is, one clause. */
export function notLiveAdvice(states: ReadonlySet<string>): string {
  const clauses: string[] = [];
  if (states.has("starting")) clauses.push("starting ones apply them at their first heartbeat");
  if (states.has("stale")) clauses.push("stale ones: start them again, or twostep decommission them once their leases have run out");
  if (states.has("expired")) clauses.push("expired ones: start them again, or twostep decommission them (with --incarnation when the node id runs again)");
  return clauses.join("; ");
}
