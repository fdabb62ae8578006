export type {
  AppendOptions,
  ControlPlane,
  FollowHandlers,
  FollowOptions,
  HistoryOptions,
  RegisterEntry,
  Snapshot,
  StoredBeat,
  StoredEntry,
  Subscription,
} from "./control-plane.js";
export type { BeatKey, EntryKey, Scope } from "./entry-key.js";
export { capabilityOf, inHistory, inScope, keyId, keyText } from "./entry-key.js";
export type { MemoryBackup, MemoryControlPlaneOptions } from "./memory-control-plane.js";
export { MemoryControlPlane } from "./memory-control-plane.js";
export {
  AuthenticationFailedError,
  ControlPlaneMisconfiguredError,
  ControlPlaneUnreachableError,
  FleetErrorCode,
  InvalidRequestError,
  PermissionDeniedError,
  RevisionConflictError,
} from "../errors/fleet-errors.js";
