import { posix } from "node:path";
import { JsonSchemaParseError } from "../errors/index.js";
import { compareJsonSchemas, type JsonSchema } from "../json-schema/index.js";
import { indexJsonSource, JsonSyntaxError, type JsonSourceIndex, type ProtocolSnapshot } from "../snapshot/index.js";
import type { Violation } from "../violation/index.js";
import type { TypePair } from "./pair-manifest-types.js";

/**
 * Compares the JSON Schema snapshot of every shipped version of every JSON
 * type (declared at the base and still at HEAD, with a snapshot on both
 * sides) with {@link compareJsonSchemas}. Violations sit in HEAD's
 * snapshot, at the property concerned. Throws {@link JsonSchemaParseError}
 * for a snapshot that is not a JSON Schema.
 */
export function checkShippedJsonSchemas(base: ProtocolSnapshot, head: ProtocolSnapshot, pairs: readonly TypePair[], out: Violation[]): void {
  for (const { base: before, head: after } of pairs) {
    if (before?.codec !== "json" || after?.codec !== "json") continue;
    const snapshots = new Map(before.versions.map((version) => [version.version, "jsonSchema" in version ? version.jsonSchema : undefined]));
    for (const version of after.versions) {
      const previousPath = snapshots.get(version.version);
      if (previousPath === undefined || !("jsonSchema" in version) || version.jsonSchema === undefined) continue;
      const previousFile = posix.join(posix.dirname(base.manifestFile), previousPath);
      const currentFile = posix.join(posix.dirname(head.manifestFile), version.jsonSchema);
      const previousText = base.jsonSchemas.get(previousFile);
      const currentText = head.jsonSchemas.get(currentFile);
      if (previousText === undefined || currentText === undefined || previousText === currentText) continue;
      const previous = parseSnapshot(base, previousFile, previousText);
      const current = parseSnapshot(head, currentFile, currentText);
      for (const change of compareJsonSchemas(previous.value as JsonSchema, current.value as JsonSchema)) {
        const at = current.locate(change.at);
        out.push({
          rule: change.rule,
          file: currentFile,
          line: at.line,
          column: at.column,
          message: `${after.name} v${version.version}: ${change.message}`,
          fix: change.fix,
          type: after.name,
          version: version.version,
        });
      }
    }
  }
}

function parseSnapshot(snapshot: ProtocolSnapshot, file: string, text: string): JsonSourceIndex {
  const where = (line: number) => ({ file, line, side: snapshot.side, root: snapshot.root });
  let parsed: JsonSourceIndex;
  try {
    parsed = indexJsonSource(text);
  } catch (cause) {
    if (!(cause instanceof JsonSyntaxError)) throw cause;
    throw new JsonSchemaParseError(where(cause.line), cause.message, { cause });
  }
  const value = parsed.value;
  if (typeof value !== "boolean" && (typeof value !== "object" || value === null || Array.isArray(value))) {
    throw new JsonSchemaParseError(where(1), "a schema is an object or a boolean");
  }
  return parsed;
}
