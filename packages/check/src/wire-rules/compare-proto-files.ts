import { loadProtoSchema, type ProtoFiles, type ProtoSchema } from "../proto/index.js";
import { sortViolations, type Violation } from "../violation/index.js";
import { checkEnumPair } from "./check-enum-pair.js";
import { checkFieldPair } from "./check-field-pair.js";
import { checkFilePair } from "./check-file-pair.js";
import { checkMessagePair } from "./check-message-pair.js";
import { checkServicePair } from "./check-service-pair.js";
import { forEachPair } from "./for-each-pair.js";

/** Options of {@link compareProtoFiles}. */
export interface CompareProtoFilesOptions {
  /** Directory the previous files came from, named in error messages. */
  readonly previousRoot?: string;
  /** Directory the current files came from, named in error messages. */
  readonly currentRoot?: string;
  /** Where each previous file is under `previousRoot` when not at its import path (buf modules), for error messages. */
  readonly previousPaths?: ReadonlyMap<string, string>;
  /** Where each current file is under `currentRoot` when not at its import path (buf modules), for error messages. */
  readonly currentPaths?: ReadonlyMap<string, string>;
}

/**
 * Compares two trees of .proto files held in memory (path relative to the
 * tree root to text) with buf's WIRE rules, and returns the breaking changes
 * sorted by file, line, column and rule; an empty array when `current` keeps
 * reading and writing what `previous` did. Files pair by path; messages,
 * enums and services by full name; fields by number; extensions by extended
 * message and number. Elements only on one side are not compared (adding is
 * always safe; deleting a whole file, message or enum is not a WIRE rule).
 *
 * Throws a `SchemaSourceError` (`ProtoParseError`, `ProtoImportMissingError`,
 * `ProtoImportCycleError`, `ProtoUnresolvedTypeError`) naming the side, file
 * and line when either tree does not load.
 */
export function compareProtoFiles(previous: ProtoFiles, current: ProtoFiles, options: CompareProtoFilesOptions = {}): Violation[] {
  const before = loadProtoSchema(previous, { side: "previous", root: options.previousRoot, paths: options.previousPaths });
  const after = loadProtoSchema(current, { side: "current", root: options.currentRoot, paths: options.currentPaths });
  return compareProtoSchemas(before, after);
}

function compareProtoSchemas(previous: ProtoSchema, current: ProtoSchema): Violation[] {
  const out: Violation[] = [];
  forEachPair(previous.files, current.files, (before, after) => checkFilePair(before, after, out));
  forEachPair(previous.messages, current.messages, (before, after) => {
    checkMessagePair(before, after, out);
    forEachPair(before.fields, after.fields, (beforeField, afterField) => checkFieldPair(beforeField, afterField, out));
  });
  forEachPair(previous.extensions, current.extensions, (before, after) => checkFieldPair(before, after, out));
  forEachPair(previous.enums, current.enums, (before, after) => checkEnumPair(before, after, out));
  forEachPair(previous.services, current.services, (before, after) => checkServicePair(before, after, out));
  return sortViolations(out);
}
