export type { Blocker, BlockerReason } from "./blocker.js";
export { blockerSchema } from "./blocker.js";
export type { BuildRecord, CapabilitySupport } from "./build-record.js";
export { buildIdOf, buildRecordSchema, takesPart } from "./build-record.js";
export type { FastCheck } from "./fast-record-checks.js";
export { fastRecordChecks } from "./fast-record-checks.js";
export type { ChangeAction, ChangeAuthor, ChangeNote } from "./change-note.js";
export { AUTHOR_LIMITS, RECORDED_BLOCKERS } from "./change-note.js";
export type { DecommissionRecord, DepartureRecord, RefusalRecord } from "./departure-record.js";
export type { ChangeRequest, RequestOutcome } from "./change-request.js";
export type { ControllerLease } from "./controller-lease.js";
export type { GateResult, GateSpec, RolloutRecord, RolloutState, RolloutStep, Verdict } from "./rollout-record.js";
export { gateSpecSchema, rolloutStepSchema } from "./rollout-record.js";
export type { FrameCounts, HeartbeatRecord } from "./heartbeat-record.js";
export { heartbeatRecordSchema } from "./heartbeat-record.js";
export type { LevelRange } from "./level-range.js";
export { formatRange, inRange } from "./level-range.js";
export type { LabelSelector, Labels, MemberRecord } from "./member-record.js";
export { memberRecordSchema } from "./member-record.js";
export type { PlaneMeta } from "./plane-meta.js";
export type { Decoded, RecordFormat } from "./record-formats.js";
export type { StoredLevelState } from "./reported-regression.js";
export { missingRevisions, reportedRegression } from "./reported-regression.js";
export { RECORD_FORMAT_CAPABILITY, RecordFormats, RecordProblem, parseWith } from "./record-formats.js";
export type { RecordKind, TwostepRecords } from "./twostep-records.js";
export { recordFormat1, twostepRecordFormats } from "./twostep-records.js";
export type { Intent, Policy, Ramp, WriteLevelRecord } from "./write-level-record.js";
export {
  DEFAULT_DRAIN_WINDOW_MS,
  MAX_LEVEL,
  committedLevels,
  drainWindowOf,
  requiredLevels,
  writeLevelRecordSchema,
  writtenLevels,
} from "./write-level-record.js";
