import { CheckErrorCode } from "./check-error-code.js";
import { SchemaSourceError, type SchemaErrorLocation } from "./schema-source-error.js";

/** .proto files import each other in a cycle; `cycle` lists the files, the first repeated at the end. */
export class ProtoImportCycleError extends SchemaSourceError {
  constructor(
    location: SchemaErrorLocation,
    readonly cycle: readonly string[],
  ) {
    super(
      CheckErrorCode.ProtoImportCycle,
      location,
      `import cycle ${cycle.join(" -> ")}; protoc rejects cyclic imports: move the shared definitions into a file that both import`,
    );
  }
}
