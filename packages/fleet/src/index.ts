export { startNode, FleetNode } from "./fleet-node.js";
export type { DeadLetter, EncodeOptions, NodeOptions } from "./fleet-node.js";
export { Coordinator } from "./coordinator.js";
export type { Change, CoordinatorOptions, EnableOptions, Plan } from "./coordinator.js";
export { RampGuard } from "./ramp-guard.js";
export type { GuardVerdict, RampGuardOptions } from "./ramp-guard.js";
export { MemoryControlPlane } from "./memory-control-plane.js";
export type { MemoryControlPlaneOptions } from "./memory-control-plane.js";
export type { ControlPlane, MalformedRecord, Subscription } from "./control-plane.js";
export { fleetStatus, loadFleetView } from "./fleet-status.js";
export type { CapabilityStatus, FleetStatus, FleetView, MemberState, MemberStatus } from "./fleet-status.js";
export { findBlockers, findWriterless, blockerSchema, takesPart } from "./blocker.js";
export type { Blocker, BlockerQuery, BlockerReason, SeenAdvertisement } from "./blocker.js";
export { joinProblems } from "./join-guard.js";
export { describeRequest, proposeChange } from "./write-level-change.js";
export type { ChangeAuthor, ProposedChange, WriteLevelRequest } from "./write-level-change.js";
export { requiredLevels, writtenLevels, writeLevelRecordSchema } from "./write-level-record.js";
export type { Intent, Ramp, Versioned, WriteLevelRecord } from "./write-level-record.js";
export { advertisementSchema } from "./advertisement.js";
export type { Advertisement, CapabilitySupport, LevelCounters } from "./advertisement.js";
export { memberSchema } from "./member.js";
export type { Member } from "./member.js";
export { auditEntrySchema } from "./audit-entry.js";
export type { AuditAction, AuditEntry } from "./audit-entry.js";
export { formatRange, inRange, levelRangeSchema } from "./level-range.js";
export type { LevelRange } from "./level-range.js";
export { inShare, WriteShare } from "./write-share.js";
export { NodeMetrics, UNKNOWN_TYPE } from "./node-metrics.js";
export type { MetricsSnapshot } from "./node-metrics.js";
export {
  ControlPlaneMisconfiguredError,
  ControlPlaneUnreachableError,
  FencedError,
  FleetErrorCode,
  InvalidRequestError,
  JoinRefusedError,
  PermissionDeniedError,
  RevisionConflictError,
  UnsafeChangeError,
} from "./fleet-errors.js";
