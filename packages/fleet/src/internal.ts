/**
 * What twostep's own packages and tests use of `@twostep/fleet` beyond its
 * public entry: the record formats and schemas, the pure rules of nodes and
 * coordinators, and the fleet view. Not for applications: it changes
 * without notice.
 */
export type { AuditEntry } from "./coordinator/audit-entry.js";
export { submitRequest } from "./coordinator/change-requests.js";
export { readerBlockers } from "./coordinator/find-blockers.js";
export type { FleetView, MemberView } from "./coordinator/fleet-view.js";
export { buildFleetView } from "./coordinator/fleet-view.js";
export { leaseEndOf } from "./coordinator/member-view.js";
export { DecodeCache } from "./coordinator/decode-cache.js";
export { BeatDigest, highestApplied, regressionEvidence } from "./coordinator/regression-evidence.js";
export { fleetStatus } from "./coordinator/fleet-status.js";
export { StatusMemo } from "./coordinator/status-memo.js";
export { emptyRecord } from "./coordinator/propose-change.js";
export { type HeldRecord, HeldRecords } from "./node/held-records.js";
export { inShare, WriteShare } from "./node/write-share.js";
export * from "./records/index.js";
