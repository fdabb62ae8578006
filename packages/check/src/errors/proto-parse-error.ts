import { CheckErrorCode } from "./check-error-code.js";
import { SchemaSourceError, type SchemaErrorLocation } from "./schema-source-error.js";

/** A .proto file is not valid protobuf source; `line` is where the parser gave up. */
export class ProtoParseError extends SchemaSourceError {
  constructor(
    location: SchemaErrorLocation,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(CheckErrorCode.ProtoParse, location, `cannot parse: ${reason}; fix the file and run the check again`, options);
  }
}
