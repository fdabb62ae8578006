export { run } from "./cli.js";
export type { RunOptions } from "./cli.js";
export type { CliContext, LiveView, OutputStream } from "./cli-context.js";
export { nodeContext } from "./node-context.js";
export { defaultActor, nodeActorSources } from "./default-actor.js";
export type { ActorSources } from "./default-actor.js";
export { EXIT_CODE_MEANINGS, EXIT_CODES_BY_ERROR, ExitCode } from "./exit-code.js";
export { exitCodeFor } from "./exit-code-for.js";
export { ApplyFileError, CliErrorCode, DeclinedError, UsageError } from "./cli-errors.js";
export { DEFAULT_NATS_URL } from "./backends/nats-backend.js";
export { connectionOptions } from "./connection-options.js";
export type { ConnectionFlags } from "./connection-flags.js";
export type { ConnectionOptions } from "./connection-options.js";
export { applyFileSchema, parseApplyFile, readApplyFile } from "./commands/apply/apply-file.js";
export type { ApplyFile } from "./commands/apply/apply-file.js";
export { statusJson } from "./json/status-json.js";
export type { StatusJson, CapabilityJson } from "./json/status-json.js";
export { fleetSummaryJson, SUMMARY_NAMES } from "./json/fleet-summary-json.js";
export type { FleetSummaryJson, CapabilitySummaryJson, Cohort, SummaryBlockerGroup, SummaryGroup } from "./json/fleet-summary-json.js";
export type { PlanJson } from "./json/plan-json.js";
export type { DiffJson, TypeDiffJson, UnknownCapabilityJson } from "./json/diff-json.js";
export type { ChangeJson } from "./json/change-json.js";
export type {
  ControllerJson,
  GateJson,
  RolloutAction,
  RolloutChangeJson,
  RolloutJson,
  RolloutPhase,
  RolloutPlanJson,
  RolloutStatusJson,
} from "./json/rollout-json.js";
export type { BlockerGroup } from "./render/blocker-groups.js";
export type { LabelBlockers, LabelGroup } from "./render/label-groups.js";
export type { MemberGroup, StateCounts } from "./render/member-groups.js";
export { escapeControls, terminalSafe } from "./render/terminal-safe.js";
export type { WatchSnapshot, CapabilitySnapshot } from "./render/watch-snapshot.js";
export type { HistoryJson } from "./json/history-json.js";
export type { WatchEvent, WatchAuditEvent, WatchErrorEvent, WatchStatusEvent } from "./json/watch-event.js";
export { startDashboard } from "./dashboard/dashboard-server.js";
export type { Dashboard, DashboardOptions } from "./dashboard/dashboard-server.js";
export type { FeedEvent, FeedEvents, RolloutList } from "./dashboard/dashboard-feed.js";
export { DEFAULT_DASHBOARD_HOST, DEFAULT_DASHBOARD_PORT } from "./dashboard/dashboard-address.js";
