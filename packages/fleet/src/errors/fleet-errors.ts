import { TwostepError } from "@twostep/core";
import type { Blocker } from "../records/blocker.js";

/** Stable codes of the errors raised by `@twostep/fleet` and the control planes. */
export const FleetErrorCode = {
  /** A change was refused because it would let a member meet a level it cannot read (or write). */
  UnsafeChange: "UNSAFE_CHANGE",
  /** A request makes no sense (a level out of range, an unknown node, a bad percent). */
  InvalidRequest: "INVALID_REQUEST",
  /** Someone else changed the record between read and write: re-read and retry. */
  RevisionConflict: "REVISION_CONFLICT",
  /** A node refused to start: it cannot read what the fleet writes. */
  JoinRefused: "JOIN_REFUSED",
  /** A running node found itself outside the fleet and can no longer write safely. */
  Fenced: "FENCED",
  /** The control plane cannot be reached. */
  Unreachable: "CONTROL_PLANE_UNREACHABLE",
  /** The control plane refused the credentials for this operation. */
  PermissionDenied: "PERMISSION_DENIED",
  /** The control plane is reachable but not set up (missing or misconfigured streams, JetStream off). */
  Misconfigured: "CONTROL_PLANE_MISCONFIGURED",
  /** The control plane refused the credentials themselves (a wrong password, an expired token). */
  AuthenticationFailed: "AUTHENTICATION_FAILED",
  /** A control-plane record cannot be read (a newer twostep wrote it, or it is damaged): nothing treats it as absent. */
  RecordUnreadable: "RECORD_UNREADABLE",
  /** The control plane's store went backwards (a lost or restored store): changes wait for `twostep reconcile`. */
  StoreRegressed: "STORE_REGRESSED",
} as const;

/** One of the codes in {@link FleetErrorCode}. */
export type FleetErrorCode = (typeof FleetErrorCode)[keyof typeof FleetErrorCode];

/** A change was refused as unsafe; `blockers` says who stands in the way. */
export class UnsafeChangeError extends TwostepError {
  constructor(
    readonly capability: string | null,
    readonly problem: string,
    readonly blockers: readonly Blocker[] = [],
  ) {
    const shown = blockers.slice(0, 20).map((blocker) => `\n  - ${blocker.detail}`);
    const more = blockers.length > 20 ? `\n  ... and ${blockers.length - 20} more (see twostep status)` : "";
    super(FleetErrorCode.UnsafeChange, `refused: ${problem}${shown.join("")}${more}`);
  }
}

/** A request makes no sense; the message says what would. */
export class InvalidRequestError extends TwostepError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(FleetErrorCode.InvalidRequest, message, options);
  }
}

/** The control plane is reachable but not set up for twostep; the message says how to set it up. */
export class ControlPlaneMisconfiguredError extends TwostepError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(FleetErrorCode.Misconfigured, message, options);
  }
}

/** Someone else changed the record first; the caller re-reads and decides again. */
export class RevisionConflictError extends TwostepError {
  constructor(
    readonly key: string,
    readonly expected: number,
    options?: { cause?: unknown },
  ) {
    super(
      FleetErrorCode.RevisionConflict,
      `${key} changed since revision ${expected} (another coordinator was faster): check twostep status and try again`,
      options,
    );
  }
}

/** A node refused to start because it cannot read what the fleet writes. */
export class JoinRefusedError extends TwostepError {
  constructor(
    readonly nodeId: string,
    readonly problems: readonly string[],
  ) {
    super(FleetErrorCode.JoinRefused, `node ${nodeId} refuses to start:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
  }
}

/** A running node found itself outside the fleet and stopped writing. */
export class FencedError extends TwostepError {
  constructor(
    readonly nodeId: string,
    readonly why: string,
    fix = "restart it on a build that reads what the fleet writes",
  ) {
    super(FleetErrorCode.Fenced, `node ${nodeId} is fenced: ${why}; ${fix}`);
  }
}

/**
 * The control plane cannot be reached, or cannot answer now. The message is
 * the backend's: it names where it tried and what to check.
 */
export class ControlPlaneUnreachableError extends TwostepError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(FleetErrorCode.Unreachable, message, options);
  }
}

/** The control plane refused this operation to these credentials; the message names the operation and who may do it. */
export class PermissionDeniedError extends TwostepError {
  constructor(
    readonly operation: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(FleetErrorCode.PermissionDenied, message, options);
  }
}

/** The control plane refused the credentials themselves; the message says which and what to check. */
export class AuthenticationFailedError extends TwostepError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(FleetErrorCode.AuthenticationFailed, message, options);
  }
}

/**
 * A control-plane record that this twostep cannot read: written in a newer
 * format, or damaged. It is never taken as absent: joins that need it are
 * refused, nodes keep what they applied before, changes to it are refused.
 */
export class RecordUnreadableError extends TwostepError {
  constructor(
    readonly key: string,
    readonly problem: string,
    readonly fix: string,
  ) {
    super(FleetErrorCode.RecordUnreadable, `the ${key} record cannot be read: ${problem}; ${fix}`);
  }
}

/**
 * The control plane's store is behind what the fleet has seen (a store lost
 * and recreated, a backup restored, acknowledged writes lost): nodes keep
 * their newer state, and changes are refused until a release manager runs
 * `twostep reconcile`.
 */
export class StoreRegressedError extends TwostepError {
  constructor(
    readonly evidence: readonly string[],
    /** What was refused, and what to do; by default a change, which a release manager retries after reconciling. */
    wording: { readonly refused: string; readonly fix: string } = {
      refused: "refused",
      fix: "Nodes keep writing by what they applied last. Run `twostep reconcile` to rebuild the records from the store and what nodes hold, then retry",
    },
  ) {
    const shown = evidence.slice(0, 10).map((line) => `\n  - ${line}`);
    super(FleetErrorCode.StoreRegressed, `${wording.refused}: the control plane's store went backwards${shown.join("")}\n${wording.fix}`);
  }
}
