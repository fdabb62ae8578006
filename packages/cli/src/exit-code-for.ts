import { CheckErrorCode } from "@twostep/check";
import { CoreErrorCode, isTwostepError } from "@twostep/core";
import { FleetErrorCode } from "@twostep/fleet";
import { CliErrorCode } from "./cli-errors.js";
import { ExitCode } from "./exit-code.js";

const byCode: Readonly<Record<string, ExitCode>> = {
  [FleetErrorCode.UnsafeChange]: ExitCode.Refused,
  [FleetErrorCode.RevisionConflict]: ExitCode.Refused,
  [CliErrorCode.Declined]: ExitCode.Refused,
  [FleetErrorCode.InvalidRequest]: ExitCode.Usage,
  [CliErrorCode.Usage]: ExitCode.Usage,
  [CliErrorCode.InvalidApplyFile]: ExitCode.Usage,
  [CoreErrorCode.InvalidManifest]: ExitCode.Usage,
  [FleetErrorCode.Unreachable]: ExitCode.Unavailable,
  [FleetErrorCode.PermissionDenied]: ExitCode.Unavailable,
  [FleetErrorCode.Misconfigured]: ExitCode.Unavailable,
  // Input `check` cannot read (a revision, the manifest, a schema file): the caller's to fix, like bad arguments.
  ...Object.fromEntries(Object.values(CheckErrorCode).map((code) => [code, ExitCode.Usage])),
};

/** The exit code for an error a command threw, by its stable code (never its message). */
export function exitCodeFor(error: unknown): ExitCode {
  if (!isTwostepError(error)) return ExitCode.Internal;
  return byCode[error.code] ?? ExitCode.Internal;
}
