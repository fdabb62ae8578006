import { CheckErrorCode } from "./check-error-code.js";
import { SchemaSourceError, type SchemaErrorLocation } from "./schema-source-error.js";

/**
 * The protocol manifest is not JSON or not a valid manifest, at HEAD
 * (`current`) or at the base (`previous`); `line` is the first problem's.
 * Carries the code of `@twostep/core`'s `InvalidManifestError`.
 */
export class ManifestSourceError extends SchemaSourceError {
  constructor(
    location: SchemaErrorLocation,
    readonly issues: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(
      CheckErrorCode.InvalidManifest,
      location,
      `invalid protocol manifest:\n${issues.map((issue) => `  - ${issue}`).join("\n")}\nfix the manifest (see docs/manifest.md for its format)`,
      options,
    );
  }
}
