import { TwostepError } from "@twostep/core";
import { CheckErrorCode } from "./check-error-code.js";

/** A schema directory or file cannot be read. */
export class ProtoReadError extends TwostepError {
  constructor(
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    const reason = options?.cause instanceof Error ? options.cause.message : String(options?.cause);
    super(CheckErrorCode.ProtoRead, `cannot read the schemas at ${path}: ${reason}; check the path (and the git ref it came from)`, options);
  }
}
