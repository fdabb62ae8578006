import type { CheckErrorCode } from "@twostep/check";
import type { FleetErrorCode } from "@twostep/fleet";
import type { CliErrorCode } from "./cli-errors.js";

/** The exit codes of `twostep`, documented in docs/cli.md and in `twostep --help`. */
export const ExitCode = {
  /** Done (or, for a dry run or `plan`, the change would be allowed; for `check`, no violations; for `diff`, the manifest and the fleet agree). */
  Ok: 0,
  /** Refused, nothing changed: unsafe (blockers listed), a revision conflict, an unreadable record, a store that went backwards, or not confirmed. For `check`: violations; for `diff`: the manifest and the fleet differ. */
  Refused: 1,
  /** Usage error: bad arguments, an invalid request, a bad apply file or manifest, a connection context missing or unusable, `--yes` missing without a terminal; input `check` cannot read. */
  Usage: 2,
  /** The control plane cannot be used: unreachable, not set up, credentials refused, or the credentials may not do this. */
  Unavailable: 3,
  /** An unexpected failure: a bug, please report it with the output. */
  Internal: 4,
} as const;

/** One of the codes in {@link ExitCode}. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** What each exit code means, in the words of `twostep --help` and docs/cli.md. */
export const EXIT_CODE_MEANINGS: Readonly<Record<ExitCode, string>> = {
  [ExitCode.Ok]: "done; plan and --dry-run: the change would be allowed (or is in force already); check: no violations; diff: the manifest and the fleet agree",
  [ExitCode.Refused]: "refused, nothing changed; the message says what to do (the blockers, twostep reconcile, retry); check: violations; diff: they differ",
  [ExitCode.Usage]:
    "usage error: bad arguments, a request that makes no sense, an --actor or --reason too long, an invalid apply file or manifest, " +
    "a connection context missing or unusable, --yes missing without a terminal; check: input it cannot read",
  [ExitCode.Unavailable]: "the control plane cannot be used: unreachable, not set up, the credentials refused, or not allowed to do this",
  [ExitCode.Internal]: "an unexpected error (a bug: please report it with the output)",
};

/**
 * The exit code of every error code a command may end with: the one table,
 * by stable code, never by message. Complete for the fleet's and the CLI's
 * codes (the compiler says when one is missing); any other error exits
 * {@link ExitCode.Internal}.
 */
const COMMAND_ERRORS = {
  UNSAFE_CHANGE: ExitCode.Refused,
  REVISION_CONFLICT: ExitCode.Refused,
  RECORD_UNREADABLE: ExitCode.Refused,
  STORE_REGRESSED: ExitCode.Refused,
  DECLINED: ExitCode.Refused,
  // `apply --manifest`'s holds: reported per capability, nothing sent for it.
  ROLLBACK_NOT_ALLOWED: ExitCode.Refused,
  WRITE_TARGET_RETIRED: ExitCode.Refused,
  ROLLOUT_UNDER_WAY: ExitCode.Refused,
  USAGE: ExitCode.Usage,
  INVALID_REQUEST: ExitCode.Usage,
  INVALID_APPLY_FILE: ExitCode.Usage,
  CONTEXT_NOT_FOUND: ExitCode.Usage,
  INVALID_CONTEXT: ExitCode.Usage,
  CONTEXT_TOO_NEW: ExitCode.Usage,
  // @twostep/core's code for a manifest that is not valid (`--manifest`).
  INVALID_MANIFEST: ExitCode.Usage,
  CONTROL_PLANE_UNREACHABLE: ExitCode.Unavailable,
  CONTROL_PLANE_MISCONFIGURED: ExitCode.Unavailable,
  AUTHENTICATION_FAILED: ExitCode.Unavailable,
  PERMISSION_DENIED: ExitCode.Unavailable,
  // A node's errors: a command never meets them, so one that does is a bug.
  JOIN_REFUSED: ExitCode.Internal,
  FENCED: ExitCode.Internal,
} as const satisfies Record<FleetErrorCode | CliErrorCode | "INVALID_MANIFEST", ExitCode>;

/** Input `check` cannot read (a revision, the manifest, a schema file): the caller's to fix, like bad arguments. */
const CHECK_INPUT_ERRORS = {
  PROTO_PARSE: ExitCode.Usage,
  INVALID_CHECK_CONFIG: ExitCode.Usage,
  PROTO_IMPORT_MISSING: ExitCode.Usage,
  PROTO_IMPORT_CYCLE: ExitCode.Usage,
  PROTO_UNRESOLVED_TYPE: ExitCode.Usage,
  PROTO_READ: ExitCode.Usage,
  UNKNOWN_REVISION: ExitCode.Usage,
  GIT_FAILED: ExitCode.Usage,
  INVALID_MANIFEST: ExitCode.Usage,
  SCHEMA_FILE_MISSING: ExitCode.Usage,
  JSON_SCHEMA_PARSE: ExitCode.Usage,
} as const satisfies Record<CheckErrorCode, ExitCode>;

/** The exit code of each error code (see {@link COMMAND_ERRORS}). */
export const EXIT_CODES_BY_ERROR: Readonly<Record<string, ExitCode>> = { ...CHECK_INPUT_ERRORS, ...COMMAND_ERRORS };

/** Per exit code, its meaning and the error codes that end with it (but `check`'s input): the `Exit codes` of `--help`. */
export function describeExitCodes(): string[] {
  return Object.values(ExitCode).flatMap((code) => {
    const errors =
      code === ExitCode.Internal ? [] : Object.keys(COMMAND_ERRORS).filter((error) => COMMAND_ERRORS[error as keyof typeof COMMAND_ERRORS] === code);
    return [`  ${code}  ${EXIT_CODE_MEANINGS[code]}`, ...(errors.length === 0 ? [] : [`     ${errors.join(", ")}`])];
  });
}
