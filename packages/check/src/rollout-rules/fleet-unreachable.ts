import type { ProtocolSnapshot } from "../snapshot/index.js";
import { RolloutRule, type Violation } from "../violation/index.js";
import { manifestViolation } from "./manifest-violation.js";

/** What a fleet rule needed to ask the fleet about. */
export interface FleetQuestion {
  readonly type: string;
  readonly version: number;
  /** What the change needs of the fleet, as the start of the message: `orders.OrderPlaced writeTarget 2 (raised from 1) needs the fleet to read v2`. */
  readonly need: string;
}

/**
 * FLEET_UNREACHABLE at `at` of the HEAD manifest: the fleet could not be
 * asked what `question` needs, so the change is refused rather than passed
 * unchecked.
 */
export function fleetUnreachable(head: ProtocolSnapshot, at: readonly (string | number)[], question: FleetQuestion, error: unknown): Violation {
  const reason = error instanceof Error ? error.message : String(error);
  return manifestViolation(head, at, {
    rule: RolloutRule.FleetUnreachable,
    type: question.type,
    version: question.version,
    message: `${question.need}, but the fleet could not be asked: ${reason}`,
    fix: `Check the --fleet address and that the control plane runs, then run the check again.`,
  });
}
