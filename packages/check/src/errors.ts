import { TwostepError } from "@twostep/core";

/**
 * Stable codes of the errors raised by `@twostep/check`. Branch on these,
 * never on message text: a code never changes meaning once released.
 */
export const CheckErrorCode = {
  /** A .proto file is not valid protobuf source. */
  ProtoParse: "PROTO_PARSE",
  /** A .proto file imports a file that is neither in the tree nor a bundled well-known type. */
  ProtoImportMissing: "PROTO_IMPORT_MISSING",
  /** .proto files import each other in a cycle. */
  ProtoImportCycle: "PROTO_IMPORT_CYCLE",
  /** A type name used by a field or an rpc does not name any message or enum. */
  ProtoUnresolvedType: "PROTO_UNRESOLVED_TYPE",
  /** A schema directory or file cannot be read. */
  ProtoRead: "PROTO_READ",
} as const;

/** One of the codes in {@link CheckErrorCode}. */
export type CheckErrorCode = (typeof CheckErrorCode)[keyof typeof CheckErrorCode];

/**
 * Which of the two schema sets a problem was found in: `previous` is the
 * shipped baseline, `current` the proposed change.
 */
export type SchemaSide = "previous" | "current";

/** Where a schema error sits: the file (relative to its tree), its line, and which tree. */
export interface SchemaErrorLocation {
  /** Path of the file relative to the root of its tree, with `/` separators. */
  readonly file: string;
  /** 1-based line of the offending token or declaration. */
  readonly line: number;
  /** Which of the compared sets holds the file. */
  readonly side: SchemaSide;
  /** The directory the tree was read from, when it was read from disk. */
  readonly root?: string | undefined;
}

function describe(location: SchemaErrorLocation): string {
  const file = location.root === undefined ? location.file : `${location.root.replace(/\/+$/, "")}/${location.file}`;
  return `${location.side} schema ${file}:${location.line}`;
}

/**
 * Base of the errors that point at a line of a .proto file: each carries the
 * file, the line and the side as fields.
 */
export abstract class SchemaSourceError extends TwostepError {
  readonly file: string;
  readonly line: number;
  readonly side: SchemaSide;
  readonly root: string | undefined;

  constructor(code: CheckErrorCode, location: SchemaErrorLocation, text: string, options?: { cause?: unknown }) {
    super(code, `${describe(location)}: ${text}`, options);
    this.file = location.file;
    this.line = location.line;
    this.side = location.side;
    this.root = location.root;
  }
}

/** A .proto file is not valid protobuf source; `line` is where the parser gave up. */
export class ProtoParseError extends SchemaSourceError {
  constructor(
    location: SchemaErrorLocation,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      CheckErrorCode.ProtoParse,
      location,
      `cannot parse: ${reason}; fix the file and run the check again`,
      options,
    );
  }
}

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
