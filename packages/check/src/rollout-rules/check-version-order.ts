import type { ManifestType } from "@twostep/core";
import type { ProtocolSnapshot } from "../snapshot/index.js";
import { RolloutRule, type Violation } from "../violation/index.js";
import { manifestViolation, versionSpan } from "./manifest-violation.js";
import { schemaKey, type TypePair } from "./pair-manifest-types.js";

/**
 * The ordering rules of one change: a write target must name a version the
 * base already reads (WRITER_WITH_READER when this change adds it,
 * WRITE_TARGET_UNREAD otherwise); a reader may go only once the base retired
 * its version and stopped writing it (READER_REMOVED_UNRETIRED), so a
 * version is retired and dropped in two changes; a version is marked retired
 * only once no one writes it (RETIRED_STILL_WRITTEN); a shipped
 * version keeps its number and its schema (VERSION_RENUMBERED,
 * VERSION_SCHEMA_MOVED).
 */
export function checkVersionOrder(head: ProtocolSnapshot, pairs: readonly TypePair[], out: Violation[]): void {
  for (const pair of pairs) {
    if (pair.head === undefined) {
      if (pair.base !== undefined) checkRemovedType(head, pair.base, out);
      continue;
    }
    checkWriteTarget(head, pair, pair.head, out);
    checkRetirements(head, pair, pair.head, out);
    if (pair.base === undefined) continue;
    checkRemovedReaders(head, pair, pair.base, pair.head, out);
    checkSchemaPlaces(head, pair, pair.base, pair.head, out);
  }
}

// The versions a type declares.
function declaredVersions(type: ManifestType | undefined): Set<number> {
  return new Set(type?.versions.map((version) => version.version) ?? []);
}

function checkWriteTarget(head: ProtocolSnapshot, pair: TypePair, type: ManifestType, out: Violation[]): void {
  const target = type.writeTarget;
  const read = declaredVersions(pair.base);
  if (target === undefined || read.has(target)) return;
  const at = ["types", pair.headIndex, "writeTarget"];
  const highest = Math.max(...read);
  const lowest = Math.min(...read);
  if (pair.base !== undefined && target > highest) {
    const added = type.versions.map((version) => version.version).filter((version) => version > highest && version <= target);
    const back = pair.base.writeTarget === undefined ? `remove "writeTarget" here` : `set "writeTarget" back to ${pair.base.writeTarget} here`;
    out.push(
      manifestViolation(head, at, {
        rule: RolloutRule.WriterWithReader,
        type: type.name,
        version: target,
        message:
          `${type.name} writes v${target} (writeTarget) in the change that adds the reader of ${versionSpan(added)}: ` +
          `nodes still on the base build cannot read v${target}`,
        fix:
          `Ship the reader first: ${back}, deploy this build to every node, then raise writeTarget to ${target} ` +
          `in a later change (twostep plan ${type.name} ${target} shows who does not read it yet).`,
      }),
    );
    return;
  }
  out.push(
    manifestViolation(head, at, {
      rule: RolloutRule.WriteTargetUnread,
      type: type.name,
      version: target,
      message:
        pair.base === undefined
          ? `${type.name} is new in this change, yet it has writeTarget ${target}: no node on the base build reads ${type.name} at all`
          : `${type.name} writes v${target} (writeTarget), which the base does not read (it reads ${versionSpan([...read])}): its reader was dropped before`,
      fix:
        pair.base === undefined
          ? `Leave "writeTarget" out until a build that reads ${type.name} runs on every node; set it in a later change.`
          : `Write a version the base reads (v${lowest}..v${highest}); v${target} needs its reader shipped to every node first.`,
    }),
  );
}

// A version in "retired" tells builds they may drop its reader: not while HEAD
// writes it, nor in the change that moves writers off it (the base, and the
// fleet until this change is applied and drained, still write it).
function checkRetirements(head: ProtocolSnapshot, pair: TypePair, type: ManifestType, out: Violation[]): void {
  const before = new Set(pair.base?.retired ?? []);
  type.retired.forEach((version, index) => {
    const writer = type.writeTarget === version ? "this change" : !before.has(version) && pair.base?.writeTarget === version ? "the base" : undefined;
    if (writer === undefined) return;
    out.push(
      manifestViolation(head, ["types", pair.headIndex, "retired", index], {
        rule: RolloutRule.RetiredStillWritten,
        type: type.name,
        version,
        message:
          `${type.name} marks v${version} retired, but ${writer} still writes it (writeTarget ${version}): ` +
          `builds would be told they may drop the reader of a version still written`,
        fix:
          `Take ${version} out of "retired". Retire a version in three steps: move writers off it (a change of "writeTarget", applied with ` +
          `twostep enable-write), wait for the drain window and run twostep retire ${type.name} ${version}, then add ${version} to "retired" in a later change.`,
      }),
    );
  });
}

function checkRemovedReaders(head: ProtocolSnapshot, pair: TypePair, base: ManifestType, type: ManifestType, out: Violation[]): void {
  const kept = declaredVersions(type);
  for (const { version } of base.versions) {
    if (kept.has(version)) continue;
    const reason = unretiredReason(base, version);
    if (reason === undefined) continue;
    out.push(
      manifestViolation(head, ["types", pair.headIndex, "versions"], {
        rule: RolloutRule.ReaderRemovedUnretired,
        type: type.name,
        version,
        message: `${type.name} drops its reader of v${version}, but ${reason}: frames of v${version} may still be written, in flight or stored`,
        fix: retireFirst(base.name, version),
      }),
    );
  }
}

function checkRemovedType(head: ProtocolSnapshot, base: ManifestType, out: Violation[]): void {
  const unretired = base.versions.map((version) => version.version).filter((version) => unretiredReason(base, version) !== undefined);
  if (unretired.length === 0) return;
  out.push(
    manifestViolation(head, ["types"], {
      rule: RolloutRule.ReaderRemovedUnretired,
      type: base.name,
      message:
        `${base.name} is removed with its readers of ${versionSpan(unretired)}, which the base ` +
        `${base.writeTarget !== undefined && unretired.includes(base.writeTarget) ? `still writes (writeTarget ${base.writeTarget}) and ` : ""}did not retire: ` +
        `frames of ${base.name} may still be written, in flight or stored`,
      fix:
        `Keep ${base.name} until every version is retired: remove its writeTarget and stop its writers, wait for the drain window, ` +
        `run twostep retire ${base.name} N for each version, list them in "retired", merge that, then remove the type.`,
    }),
  );
}

// Why the base still needs readers of `version`, or undefined when it may go.
function unretiredReason(base: ManifestType, version: number): string | undefined {
  if (base.writeTarget === version) return `the base still writes it (writeTarget ${version})`;
  return base.retired.includes(version) ? undefined : `the base did not retire it`;
}

function retireFirst(name: string, version: number): string {
  return (
    `Keep v${version} in "versions" until it is retired: move writers off it (writeTarget, twostep enable-write), ` +
    `wait for the drain window, run twostep retire ${name} ${version}, add ${version} to "retired" and merge that; then drop the reader.`
  );
}

function checkSchemaPlaces(head: ProtocolSnapshot, pair: TypePair, base: ManifestType, type: ManifestType, out: Violation[]): void {
  const shipped = declaredVersions(base);
  if (base.codec !== type.codec) {
    const kept = type.versions.map((version) => version.version).filter((version) => shipped.has(version));
    if (kept.length > 0) out.push(schemaMoved(head, ["types", pair.headIndex, "codec"], type, kept, `its codec changed from ${base.codec} to ${type.codec}`));
    return;
  }
  const baseByKey = new Map<string, number>();
  const baseMessages = new Map<number, string>();
  for (const version of base.versions) {
    const key = schemaKey(version);
    if (key !== undefined) baseByKey.set(key, version.version);
    if ("message" in version) baseMessages.set(version.version, version.message);
  }
  const headKeys = new Map(type.versions.map((version) => [version.version, schemaKey(version)]));
  type.versions.forEach((version, index) => {
    const at = ["types", pair.headIndex, "versions", index];
    const key = schemaKey(version);
    const owner = key === undefined ? undefined : baseByKey.get(key);
    if (key !== undefined && owner !== undefined && owner !== version.version && headKeys.get(owner) !== key) {
      out.push(
        manifestViolation(head, at, {
          rule: RolloutRule.VersionRenumbered,
          type: type.name,
          version: version.version,
          message:
            `${type.name} v${version.version} has the schema of shipped v${owner} (${describeKey(key)}): frames carry their version number, ` +
            `so builds on either side of this change would read them with different schemas`,
          fix: `Keep ${describeKey(key)} at v${owner}. A new version gets a new schema and the next number.`,
        }),
      );
    }
    const message = baseMessages.get(version.version);
    if ("message" in version && message !== undefined && message !== version.message) {
      const change = `its message changed from ${message} to ${version.message}, so the two cannot be compared`;
      out.push(schemaMoved(head, [...at, "message"], type, [version.version], change));
    }
  });
}

// A shipped version whose schema was replaced: another codec, or another protobuf
// message (a message moved to another file is still compared, by its full name).
function schemaMoved(head: ProtocolSnapshot, at: readonly (string | number)[], type: ManifestType, versions: readonly number[], change: string): Violation {
  return manifestViolation(head, at, {
    rule: RolloutRule.VersionSchemaMoved,
    type: type.name,
    version: versions[0],
    message: `${type.name} ${versionSpan(versions)} ${versions.length === 1 ? "is" : "are"} shipped, but ${change}: builds on either side of this change would read ${versions.length === 1 ? "its" : "their"} frames with different schemas`,
    fix: `Keep shipped ${versionSpan(versions)} as the base has ${versions.length === 1 ? "it" : "them"}; a new schema belongs in a new version.`,
  });
}

function describeKey(key: string): string {
  const [file, message] = key.split("#");
  return message === undefined ? `snapshot ${file}` : `${message} in ${file}`;
}
