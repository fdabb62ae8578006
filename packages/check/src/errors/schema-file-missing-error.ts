import { CheckErrorCode } from "./check-error-code.js";
import { SchemaSourceError, type SchemaErrorLocation } from "./schema-source-error.js";

/**
 * A file the manifest names does not exist: `file` and `line` are those of
 * the manifest entry that names it, `missingFile` the file itself.
 */
export class SchemaFileMissingError extends SchemaSourceError {
  constructor(
    location: SchemaErrorLocation,
    readonly missingFile: string,
  ) {
    super(
      CheckErrorCode.SchemaFileMissing,
      location,
      `names ${missingFile}, which does not exist: add the file, or fix the path (relative to the manifest; .proto files relative to its protoRoot)`,
    );
  }
}
