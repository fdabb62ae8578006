import { posix } from "node:path";
import type { ProtocolSnapshot } from "../snapshot/index.js";
import type { Violation } from "../violation/index.js";
import { compareProtoFiles } from "../wire-rules/index.js";
import type { TypePair } from "./pair-manifest-types.js";

/** A protobuf version declared at the base and at HEAD, with the same message. */
interface ShippedVersion {
  readonly type: string;
  readonly version: number;
  readonly previousFile: string;
  readonly currentFile: string;
}

/**
 * Runs buf's WIRE rules ({@link compareProtoFiles}) on the .proto files of
 * the shipped protobuf versions: those declared at the base and still at
 * HEAD with the same message (VERSION_SCHEMA_MOVED reports the others).
 * Each side's tree holds the versions' files and their imports; files pair
 * by path and messages by full name, as the engine does, so a message moved
 * to another file is still compared. Only versions whose file or an import
 * of it changed are compared. A violation is attributed to every shipped
 * version whose file imports (or is) the file it sits in, and placed at its
 * path relative to the directory checked. Throws the engine's
 * `SchemaSourceError`s when a tree does not load.
 */
export function checkShippedProtos(base: ProtocolSnapshot, head: ProtocolSnapshot, pairs: readonly TypePair[], out: Violation[]): void {
  const shipped = shippedVersions(pairs);
  if (shipped.length === 0) return;
  const previous = new ImportGraph(base);
  const current = new ImportGraph(head);
  const changed = new Map<string, boolean>();
  // A file differs when its text or the text of anything it imports does; imports of a file with the same text are the same.
  const differs = (file: string): boolean => {
    const known = changed.get(file);
    if (known !== undefined) return known;
    changed.set(file, false);
    const result = base.protoFiles.get(file) !== head.protoFiles.get(file) || (head.imports.get(file) ?? []).some(differs);
    changed.set(file, result);
    return result;
  };
  const compared = shipped.filter((version) => version.previousFile !== version.currentFile || differs(version.currentFile));
  if (compared.length === 0) return;
  const previousTree: Record<string, string> = {};
  const currentTree: Record<string, string> = {};
  for (const version of compared) {
    for (const file of previous.closure(version.previousFile)) previousTree[file] = base.protoFiles.get(file) ?? "";
    for (const file of current.closure(version.currentFile)) currentTree[file] = head.protoFiles.get(file) ?? "";
  }
  const found = compareProtoFiles(previousTree, currentTree, {
    previousRoot: rootLabel(base),
    currentRoot: rootLabel(head),
  });
  for (const violation of found) {
    const owners = shipped.filter((version) => current.closure(version.currentFile).has(violation.file));
    const first = owners[0];
    if (first === undefined) continue;
    const others = owners.length > 1 ? ` (and ${owners.length - 1} more shipped version${owners.length > 2 ? "s" : ""} importing ${violation.file})` : "";
    out.push({
      ...violation,
      file: posix.join(head.protoRoot, violation.file),
      message: `${first.type} v${first.version}${others}: ${violation.message}`,
      fix: `${violation.fix} Or leave v${first.version} as shipped and make the change in a new version of ${first.type}, with a migration.`,
      type: first.type,
      version: first.version,
    });
  }
}

function shippedVersions(pairs: readonly TypePair[]): ShippedVersion[] {
  const shipped: ShippedVersion[] = [];
  for (const { base, head } of pairs) {
    if (base?.codec !== "protobuf" || head?.codec !== "protobuf") continue;
    const before = new Map(base.versions.map((version) => [version.version, version]));
    for (const version of head.versions) {
      const previous = before.get(version.version);
      if (previous === undefined || previous.message !== version.message) continue;
      shipped.push({ type: head.name, version: version.version, previousFile: previous.proto, currentFile: version.proto });
    }
  }
  return shipped.sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : a.version - b.version));
}

// How the engine names a tree in its errors: `schemas`, or `origin/main:./schemas` at the base.
function rootLabel(snapshot: ProtocolSnapshot): string {
  return snapshot.root === undefined ? snapshot.protoRoot : posix.join(snapshot.root, snapshot.protoRoot);
}

/** The files each .proto file of a snapshot reaches through its imports. */
class ImportGraph {
  private readonly closures = new Map<string, ReadonlySet<string>>();

  constructor(private readonly snapshot: ProtocolSnapshot) {}

  /** `file` and every file of the snapshot it imports, transitively. */
  closure(file: string): ReadonlySet<string> {
    const known = this.closures.get(file);
    if (known !== undefined) return known;
    const reached = new Set<string>();
    const pending = [file];
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
      if (reached.has(next) || !this.snapshot.protoFiles.has(next)) continue;
      reached.add(next);
      pending.push(...(this.snapshot.imports.get(next) ?? []));
    }
    this.closures.set(file, reached);
    return reached;
  }
}
