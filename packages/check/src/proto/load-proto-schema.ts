import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import protobuf from "protobufjs";
import {
  ProtoImportCycleError,
  ProtoImportMissingError,
  ProtoParseError,
  ProtoUnresolvedTypeError,
  type SchemaErrorLocation,
  type SchemaSide,
} from "../errors/index.js";
import { buildProtoSchema, fullNameOf } from "./build-proto-schema.js";
import { indexProtoSource } from "./index-proto-source.js";
import type { ProtoSourceIndex } from "./proto-source-index.js";
import type { ProtoSchema } from "./proto-schema.js";
import { ProtoSyntaxError, tokenizeProto, type SourcePosition } from "./tokenize-proto.js";

/**
 * A tree of .proto files in memory: path relative to the root of the tree
 * (with `/` separators, as in `import` statements) to file text.
 */
export type ProtoFiles = Readonly<Record<string, string>>;

/** Which tree is being loaded, for error messages. */
export interface LoadContext {
  readonly side: SchemaSide;
  /** The directory the files were read from, if they were. */
  readonly root?: string | undefined;
  /** Where a file is under `root`, when not at its import path (a file of a buf module is imported relative to the module). */
  readonly paths?: ReadonlyMap<string, string> | undefined;
}

const requireHere = createRequire(import.meta.url);
const parseOptions: protobuf.IParseOptions = { keepCase: true };
// The files of include/ (see its README.md), two levels above this module in src/ and in dist/.
const INCLUDED = new Set([
  "google/protobuf/descriptor.proto",
  "google/protobuf/cpp_features.proto",
  "google/protobuf/java_features.proto",
  "google/protobuf/go_features.proto",
]);
const INCLUDE_DIR = new URL("../../include/", import.meta.url);

function readBundled(path: string): string | undefined {
  if (INCLUDED.has(path)) return readFileSync(new URL(path, INCLUDE_DIR), "utf8");
  if (!path.startsWith("google/protobuf/")) return undefined;
  try {
    return readFileSync(requireHere.resolve(`protobufjs/${path}`), "utf8");
  } catch {
    return undefined;
  }
}

/**
 * Parses every file of the tree with protobufjs (following imports depth
 * first, so every imported file is loaded and a cycle is caught), resolves all
 * type names, and returns what the wire rules compare. Imports resolve against
 * the root of the tree; `google/protobuf/*.proto` falls back to the files buf
 * provides: `descriptor.proto` and the editions feature files
 * (`cpp_features.proto`, `java_features.proto`, `go_features.proto`) shipped
 * in this package's `include/`, and the well-known types bundled with
 * protobufjs. Throws {@link ProtoParseError},
 * {@link ProtoImportMissingError}, {@link ProtoImportCycleError} or
 * {@link ProtoUnresolvedTypeError}, each with file and line.
 */
export function loadProtoSchema(files: ProtoFiles, context: LoadContext): ProtoSchema {
  return new SchemaLoader(files, context).load();
}

class SchemaLoader {
  private readonly root = new protobuf.Root();
  private readonly sources = new Map<string, ProtoSourceIndex>();
  private readonly loading: string[] = [];
  private readonly bundled = new Set<string>();

  constructor(
    private readonly files: ProtoFiles,
    private readonly context: LoadContext,
  ) {}

  load(): ProtoSchema {
    for (const path of Object.keys(this.files).sort()) this.loadFile(path);
    this.resolve();
    try {
      return buildProtoSchema(this.root, this.sources);
    } catch (cause) {
      if (cause instanceof ProtoSyntaxError && cause.file !== undefined) {
        throw new ProtoParseError(this.where(cause.file, cause.line), cause.reason, { cause });
      }
      throw cause;
    }
  }

  // Imports are parsed before the file that imports them, as protoc orders
  // them. The other way round, protobufjs defers an extension whose message
  // a later import declares, and retries it whenever a message is added:
  // adding another package (any import, even google/protobuf/timestamp.proto)
  // caches "not found" in the extending package's namespace, and adding the
  // message retries before that cache is cleared, so the extension stays
  // unresolved (PROTO_UNRESOLVED_TYPE on a tree protoc and buf accept).
  private loadFile(path: string): void {
    if (this.sources.has(path)) return;
    const text = this.files[path] ?? "";
    const index = this.index(path, text);
    this.sources.set(path, index);
    this.loading.push(path);
    for (const { path: target, at } of index.imports) {
      if (Object.hasOwn(this.files, target)) {
        const cycleStart = this.loading.indexOf(target);
        if (cycleStart !== -1) {
          throw new ProtoImportCycleError(this.where(path, at.line), [...this.loading.slice(cycleStart), target]);
        }
        this.loadFile(target);
      } else if (!this.loadBundled(target)) {
        throw new ProtoImportMissingError(this.where(path, at.line), target);
      }
    }
    this.loading.pop();
    this.parse(path, text);
  }

  // Loads a file that buf provides without a dependency: descriptor.proto
  // and the editions feature files that this package ships (include/, from
  // protobuf's sources), else a well-known type that protobufjs ships. False
  // when there is no such file. Imports first, as for the tree's files.
  private loadBundled(path: string): boolean {
    if (this.bundled.has(path)) return true;
    const json = INCLUDED.has(path) ? null : protobuf.common.get(path);
    if (json !== null) {
      this.bundled.add(path);
      this.root.addJSON(json.nested ?? {});
      return true;
    }
    const text = readBundled(path);
    if (text === undefined) return false;
    this.bundled.add(path);
    if (!this.index(path, text).imports.every(({ path: target }) => this.loadBundled(target))) return false;
    this.parse(path, text);
    return true;
  }

  private parse(path: string, text: string): protobuf.IParserResult {
    (protobuf.parse as unknown as { filename: string | null }).filename = path;
    try {
      return protobuf.parse(text, this.root, parseOptions);
    } catch (cause) {
      const reason = (cause instanceof Error ? cause.message : String(cause)).replace(/\s*\((?:[^()]*, )?line \d+\)$/, "");
      throw new ProtoParseError(this.where(path, this.failureLine(cause, text)), reason, { cause });
    }
  }

  private index(path: string, text: string): ProtoSourceIndex {
    try {
      return indexProtoSource(tokenizeProto(text));
    } catch (cause) {
      if (!(cause instanceof ProtoSyntaxError)) throw cause;
      throw new ProtoParseError(this.where(path, cause.line), cause.reason, { cause });
    }
  }

  // protobufjs puts the line in its syntax errors but not in its duplicate
  // definition errors; those are found in the source index.
  private failureLine(cause: unknown, text: string): number {
    const message = cause instanceof Error ? cause.message : "";
    const line = /line (\d+)\)$/.exec(message)?.[1];
    if (line !== undefined) return Number(line);
    let index: ProtoSourceIndex;
    try {
      index = indexProtoSource(tokenizeProto(text));
    } catch (error) {
      return error instanceof ProtoSyntaxError ? error.line : 1;
    }
    return (locateDuplicate(message, index) ?? { line: 1 }).line;
  }

  private resolve(): void {
    const deferred = this.root.deferred[0];
    if (deferred !== undefined) {
      const file = deferred.filename ?? "";
      const at = this.sources.get(file)?.extensions.get(fullNameOf(deferred))?.at;
      throw new ProtoUnresolvedTypeError(this.where(file, at?.line ?? 1), deferred.extend ?? "");
    }
    try {
      this.root.resolveAll();
    } catch (cause) {
      throw this.unresolved(this.root, cause) ?? new ProtoParseError(this.where(Object.keys(this.files).sort()[0] ?? "", 1), String(cause), { cause });
    }
  }

  // Finds the first field or rpc whose type does not resolve.
  private unresolved(namespace: protobuf.NamespaceBase, cause: unknown): ProtoUnresolvedTypeError | undefined {
    for (const object of namespace.nestedArray) {
      const failure =
        object instanceof protobuf.Type
          ? this.unresolvedField(object, cause)
          : object instanceof protobuf.Service
            ? this.unresolvedMethod(object, cause)
            : undefined;
      if (failure !== undefined) return failure;
      if (object instanceof protobuf.Field && object.extend !== undefined) {
        const failure = attempt(() => object.resolve());
        if (failure !== undefined) {
          const at = this.sources.get(object.filename ?? "")?.extensions.get(fullNameOf(object))?.typeAt;
          return new ProtoUnresolvedTypeError(this.where(object.filename ?? "", at?.line ?? 1), missingName(failure, object.type), { cause });
        }
      }
      if (object instanceof protobuf.Namespace || object instanceof protobuf.Type) {
        const nested = this.unresolved(object, cause);
        if (nested !== undefined) return nested;
      }
    }
    return undefined;
  }

  private unresolvedField(type: protobuf.Type, cause: unknown): ProtoUnresolvedTypeError | undefined {
    for (const field of type.fieldsArray) {
      const failure = field.declaringField === null ? attempt(() => field.resolve()) : undefined;
      if (failure === undefined) continue;
      const file = field.filename ?? type.filename ?? "";
      const at = this.sources.get(file)?.messages.get(fullNameOf(type))?.fields.get(field.id)?.typeAt;
      return new ProtoUnresolvedTypeError(this.where(file, at?.line ?? 1), missingName(failure, field.type), { cause });
    }
    return undefined;
  }

  private unresolvedMethod(service: protobuf.Service, cause: unknown): ProtoUnresolvedTypeError | undefined {
    for (const method of service.methodsArray) {
      const failure = attempt(() => method.resolve());
      if (failure === undefined) continue;
      const file = service.filename ?? "";
      const source = this.sources.get(file)?.services.get(fullNameOf(service))?.methods.get(method.name);
      const name = missingName(failure, method.requestType);
      const at = name === method.responseType && name !== method.requestType ? source?.responseAt : source?.requestAt;
      return new ProtoUnresolvedTypeError(this.where(file, at?.line ?? 1), name, { cause });
    }
    return undefined;
  }

  private where(file: string, line: number): SchemaErrorLocation {
    return { file: this.context.paths?.get(file) ?? file, line, side: this.context.side, root: this.context.root };
  }
}

function attempt(action: () => unknown): Error | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

// protobufjs says "no such type: X" or "no such Type or Enum 'X' in Type .a.M".
function missingName(error: Error, fallback: string): string {
  return /no such [^:']*(?::\s*|')([^'\s]+)/.exec(error.message)?.[1] ?? fallback;
}

// Locates "duplicate name 'X' in Type .a.M" or "duplicate id 3 in Type M".
function locateDuplicate(message: string, index: ProtoSourceIndex): SourcePosition | undefined {
  const name = /duplicate name '([^']+)' in \S+ \.?(\S*)/.exec(message);
  if (name !== null) {
    const container = name[2] ?? "";
    const fullName = container === "" ? (name[1] ?? "") : `${container}.${name[1] ?? ""}`;
    return (
      index.messages.get(fullName)?.at ??
      index.enums.get(fullName) ??
      index.services.get(fullName)?.at ??
      index.extensions.get(fullName)?.at ??
      index.messages.get(container)?.at
    );
  }
  const id = /duplicate id (\d+) in \S+ \.?(\S+)/.exec(message);
  if (id === null) return undefined;
  const number = Number(id[1]);
  const owner = id[2] ?? "";
  let found: SourcePosition | undefined;
  for (const [fullName, source] of index.messages) {
    if (fullName === owner || fullName.endsWith(`.${owner}`)) found = source.fields.get(number)?.at ?? found;
  }
  return found;
}
