import { TwostepError } from "@twostep/core";
import { CheckErrorCode } from "./check-error-code.js";

/** git is missing or failed, or the directory is not inside a git repository. */
export class GitError extends TwostepError {
  constructor(
    readonly args: readonly string[],
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(CheckErrorCode.GitFailed, `git ${args.join(" ")} failed: ${reason}; run the check inside a git repository, with git on PATH`, options);
  }
}
