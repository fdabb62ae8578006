import type { ProtocolSnapshot } from "../snapshot/index.js";
import type { CheckRule, Violation } from "../violation/index.js";

/** What a manifest violation says, besides where it is. */
export interface ManifestFinding {
  readonly rule: CheckRule;
  readonly message: string;
  readonly fix: string;
  readonly type: string;
  readonly version?: number | undefined;
}

/**
 * A violation located at `path` of the HEAD manifest (`["types", 3,
 * "writeTarget"]`): at the key when it exists, else at its nearest ancestor.
 */
export function manifestViolation(head: ProtocolSnapshot, path: readonly (string | number)[], finding: ManifestFinding): Violation {
  const at = head.manifestSource?.locate(path) ?? { line: 1, column: 1 };
  return {
    rule: finding.rule,
    file: head.manifestFile,
    line: at.line,
    column: at.column,
    message: finding.message,
    fix: finding.fix,
    type: finding.type,
    ...(finding.version === undefined ? {} : { version: finding.version }),
  };
}

/** `v2`, or `v2..v4` for a run of versions. */
export function versionSpan(versions: readonly number[]): string {
  const sorted = [...versions].sort((a, b) => a - b);
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  if (first === undefined || last === undefined) return "no version";
  if (first === last) return `v${first}`;
  return last - first === sorted.length - 1 ? `v${first}..v${last}` : sorted.map((version) => `v${version}`).join(", ");
}
