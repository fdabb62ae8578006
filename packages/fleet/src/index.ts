export type { ControlPlane, Subscription } from "./control-plane/control-plane.js";
export type { MemoryBackup, MemoryControlPlaneOptions } from "./control-plane/memory-control-plane.js";
export { MemoryControlPlane } from "./control-plane/memory-control-plane.js";
export type { AuditEntry } from "./coordinator/audit-entry.js";
export type { Change, ChangeOptions, CoordinatorOptions, DecommissionPreview, Plan, Versioned } from "./coordinator/change-types.js";
export { Coordinator } from "./coordinator/coordinator.js";
export type { CapabilityStatus, Convergence, FleetStatus, MemberStatus } from "./coordinator/fleet-status.js";
export type { MemberState } from "./coordinator/fleet-view.js";
export type { ControllerEvent, RolloutControllerOptions } from "./coordinator/rollout-controller.js";
export { RolloutController } from "./coordinator/rollout-controller.js";
export type { RolloutPlan } from "./coordinator/rollout-plan.js";
export { describeStep, parseRolloutPlan, rolloutPlanSchema } from "./coordinator/rollout-plan.js";
export type { RolloutChangeOptions, RolloutStartPlan, RolloutsOptions, StoredRollout } from "./coordinator/rollouts.js";
export { Rollouts } from "./coordinator/rollouts.js";
export type { WriteLevelRequest } from "./coordinator/write-level-request.js";
export { describeRequest, formatLabels } from "./coordinator/write-level-request.js";
export {
  AuthenticationFailedError,
  ControlPlaneMisconfiguredError,
  ControlPlaneUnreachableError,
  FencedError,
  FleetErrorCode,
  InvalidRequestError,
  JoinRefusedError,
  PermissionDeniedError,
  RecordUnreadableError,
  RevisionConflictError,
  StoreRegressedError,
  UnsafeChangeError,
} from "./errors/fleet-errors.js";
export type { DeadLetter } from "./node/dead-letter.js";
export type { FrameObserver } from "./node/frame-observer.js";
export type { EncodeOptions, NodeOptions } from "./node/node-options.js";
export type { NodeStatus } from "./node/node-status.js";
export { FleetNode, startNode } from "./node/fleet-node.js";
export type { MetricsSnapshot } from "./node/node-metrics.js";
export type { Blocker, BlockerReason } from "./records/blocker.js";
export type { CapabilitySupport } from "./records/build-record.js";
export type { ChangeAction, ChangeAuthor, ChangeNote } from "./records/change-note.js";
export { AUTHOR_LIMITS } from "./records/change-note.js";
export type { FrameCounts } from "./records/heartbeat-record.js";
export type { LevelRange } from "./records/level-range.js";
export { formatRange, inRange } from "./records/level-range.js";
export type { LabelSelector, Labels } from "./records/member-record.js";
export type { ControllerLease } from "./records/controller-lease.js";
export type { GateResult, GateSpec, RolloutRecord, RolloutState, RolloutStep, Verdict } from "./records/rollout-record.js";
export { RECORD_FORMAT_CAPABILITY } from "./records/record-formats.js";
export type { Intent, Policy, Ramp, WriteLevelRecord } from "./records/write-level-record.js";
export { committedLevels, DEFAULT_DRAIN_WINDOW_MS, requiredLevels, writtenLevels } from "./records/write-level-record.js";
