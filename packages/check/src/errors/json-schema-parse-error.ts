import { CheckErrorCode } from "./check-error-code.js";
import { SchemaSourceError, type SchemaErrorLocation } from "./schema-source-error.js";

/** A JSON Schema snapshot is not JSON, or not a schema; `line` is where reading failed. */
export class JsonSchemaParseError extends SchemaSourceError {
  constructor(
    location: SchemaErrorLocation,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(CheckErrorCode.JsonSchemaParse, location, `not a JSON Schema snapshot: ${reason}; regenerate it with writeJsonSchemaSnapshots`, options);
  }
}
