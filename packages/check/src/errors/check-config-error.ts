import { CheckErrorCode } from "./check-error-code.js";
import { SchemaSourceError, type SchemaErrorLocation } from "./schema-source-error.js";

/**
 * A check configuration file cannot be used: `twostep-check.yaml` (the
 * breaking changes accepted on purpose), or a `buf.yaml` or `buf.work.yaml`
 * that lays out a tree of .proto files. At the first problem's line.
 */
export class CheckConfigError extends SchemaSourceError {
  constructor(
    location: SchemaErrorLocation,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(CheckErrorCode.InvalidCheckConfig, location, `${problem}; fix the file (docs/check.md describes it)`, options);
  }
}
