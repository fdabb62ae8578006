import { CheckErrorCode } from "./check-error-code.js";
import { SchemaSourceError, type SchemaErrorLocation } from "./schema-source-error.js";

/** A .proto file imports a file that is neither in the tree nor a bundled well-known type. */
export class ProtoImportMissingError extends SchemaSourceError {
  constructor(
    location: SchemaErrorLocation,
    readonly importPath: string,
  ) {
    super(
      CheckErrorCode.ProtoImportMissing,
      location,
      `imports "${importPath}", which is not in the schema tree; imports are resolved against the root of the tree, ` +
        `so add the file there (vendor it if it comes from elsewhere) or fix the import path`,
    );
  }
}
