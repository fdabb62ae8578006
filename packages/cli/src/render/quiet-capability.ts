import type { CapabilityStatus } from "@twostep/fleet";

/** How many capabilities are shown in full, each, before those with nothing to act on share a table (the text of `status`) or a card (the dashboard). */
export const SHOWN_IN_FULL_UP_TO = 12;

/**
 * True for a capability with nothing to act on, its rollout plan apart
 * (which the status does not hold): its record is read and writes a level
 * (or it has none, and nothing is enabled), with no ramp and no pending
 * intent, every member taking part is live and applied it, and nobody
 * blocks its next level.
 */
export function hasNothingToActOn(capability: CapabilityStatus): boolean {
  const record = capability.record;
  return (
    capability.problem === null &&
    (record === null || (record.ramp === null && record.intent === null)) &&
    capability.convergence.waiting.length === 0 &&
    capability.blockers.length === 0
  );
}
