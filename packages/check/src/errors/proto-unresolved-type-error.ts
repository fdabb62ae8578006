import { CheckErrorCode } from "./check-error-code.js";
import { SchemaSourceError, type SchemaErrorLocation } from "./schema-source-error.js";

/** A type name used by a field or an rpc does not name any message or enum. */
export class ProtoUnresolvedTypeError extends SchemaSourceError {
  constructor(
    location: SchemaErrorLocation,
    readonly typeName: string,
    options?: { cause?: unknown },
  ) {
    super(
      CheckErrorCode.ProtoUnresolvedType,
      location,
      `type "${typeName}" is not defined; define it, import the file that defines it, or fix the name`,
      options,
    );
  }
}
