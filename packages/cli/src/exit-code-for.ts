import { isTwostepError } from "@twostep/core";
import { EXIT_CODES_BY_ERROR, ExitCode } from "./exit-code.js";

/** The exit code for an error a command threw, by its stable code (never its message). */
export function exitCodeFor(error: unknown): ExitCode {
  if (!isTwostepError(error)) return ExitCode.Internal;
  return EXIT_CODES_BY_ERROR[error.code] ?? ExitCode.Internal;
}
