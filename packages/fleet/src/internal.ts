/**
 * What twostep's own packages and tests use of `@twostep/fleet` beyond its
 * public entry: the record formats and schemas, the pure rules of nodes and
 * coordinators, and the fleet view. Not for applications: it changes
 * without notice.
 */
export type { AuditEntry } from "./coordinator/audit-entry.js";
export { toAuditEntries } from "./coordinator/audit-entry.js";
export { submitRequest } from "./coordinator/change-requests.js";
export { readerBlockers, writerBlockers } from "./coordinator/find-blockers.js";
export type { BeatView, DepartedView, FleetView, LevelView, MemberView, ViewOptions } from "./coordinator/fleet-view.js";
export { buildFleetView, loadFleetView } from "./coordinator/fleet-view.js";
export type { RevisionSpace } from "./coordinator/decode-cache.js";
export { DecodeCache } from "./coordinator/decode-cache.js";
export { fleetStatus } from "./coordinator/fleet-status.js";
export { regressionEvidence } from "./coordinator/regression-evidence.js";
export type { ProposedChange } from "./coordinator/propose-change.js";
export { emptyRecord, proposeChange } from "./coordinator/propose-change.js";
export { HeldRecords } from "./node/held-records.js";
export { joinProblems } from "./node/join-guard.js";
export { NodeMetrics, UNKNOWN_TYPE } from "./node/node-metrics.js";
export type { WritePlan } from "./node/write-plan.js";
export { matches, plannedLevels, writePlan } from "./node/write-plan.js";
export { inShare, WriteShare } from "./node/write-share.js";
export * from "./records/index.js";
