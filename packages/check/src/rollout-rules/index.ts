// checkRollout: the manifest at HEAD against a base revision. Types pair by
// name, renamedFrom or id; then the ordering and identity rules, the WIRE and
// JSON Schema rules on shipped versions, and, with a fleet, read-readiness and
// retirements.
export { checkRollout } from "./check-rollout.js";

export type { CheckRolloutOptions } from "./check-rollout.js";
export type { FleetAccess } from "./fleet-access.js";
