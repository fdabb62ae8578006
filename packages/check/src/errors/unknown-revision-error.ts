import { TwostepError } from "@twostep/core";
import { CheckErrorCode } from "./check-error-code.js";

/** The base revision names no commit: a typo, or a shallow clone that never fetched it. */
export class UnknownRevisionError extends TwostepError {
  constructor(
    readonly ref: string,
    readonly cwd: string,
  ) {
    super(
      CheckErrorCode.UnknownRevision,
      `${JSON.stringify(ref)} names no commit of the repository at ${cwd}: fetch it first ` +
        `(in GitHub Actions, actions/checkout with fetch-depth: 0), or pass another --base`,
    );
  }
}
