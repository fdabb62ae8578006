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
  /** The arguments of `twostep check` are wrong. */
  CheckUsage: "CHECK_USAGE",
  /** The base revision names no commit of the repository (or the clone does not have it). */
  UnknownRevision: "UNKNOWN_REVISION",
  /** git is missing or failed, or the directory is not inside a git repository. */
  GitFailed: "GIT_FAILED",
  /** The protocol manifest is not JSON, or not a valid manifest (the code `@twostep/core` uses, here with file and line). */
  InvalidManifest: "INVALID_MANIFEST",
  /** A file that the manifest names (a .proto entry file or a JSON Schema snapshot) does not exist. */
  SchemaFileMissing: "SCHEMA_FILE_MISSING",
  /** A JSON Schema snapshot is not JSON, or not a schema (an object or a boolean). */
  JsonSchemaParse: "JSON_SCHEMA_PARSE",
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
    super(CheckErrorCode.ProtoParse, location, `cannot parse: ${reason}; fix the file and run the check again`, options);
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

/** The arguments of `twostep check` are wrong: unknown option, missing `--base`, bad `--format`. */
export class CheckUsageError extends TwostepError {
  constructor(readonly problem: string) {
    super(CheckErrorCode.CheckUsage, `${problem}; see twostep check --help`);
  }
}

/** The base revision names no commit: a typo, or a shallow clone that never fetched it. */
export class UnknownRevisionError extends TwostepError {
  constructor(
    readonly ref: string,
    readonly cwd: string,
  ) {
    super(
      CheckErrorCode.UnknownRevision,
      `${JSON.stringify(ref)} names no commit of the repository at ${cwd}: fetch it first ` +
        `(in GitHub Actions, actions/checkout with fetch-depth: 0), or pass another --base`,
    );
  }
}

/** git is missing or failed, or the directory is not inside a git repository. */
export class GitError extends TwostepError {
  constructor(
    readonly args: readonly string[],
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(CheckErrorCode.GitFailed, `git ${args.join(" ")} failed: ${reason}; run the check inside a git repository, with git on PATH`, options);
  }
}

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
