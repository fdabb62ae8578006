import type { FileSchema } from "../proto/index.js";
import { type Violation, WireRule } from "../violation/index.js";
import { violationAt } from "./violation-at.js";

/**
 * FILE_SAME_PACKAGE on one file present on both sides (paired by path),
 * reported at the `package` statement, or at the top of the file when it has
 * none. Appends to `out`.
 */
export function checkFilePair(previous: FileSchema, current: FileSchema, out: Violation[]): void {
  if (previous.packageName === current.packageName) return;
  out.push(
    violationAt(
      WireRule.FileSamePackage,
      current.path,
      current.packageAt ?? { line: 1, column: 1 },
      `File package changed from "${previous.packageName}" to "${current.packageName}".`,
      `${previous.packageName === "" ? "Remove the package statement" : `Restore \`package ${previous.packageName};\``}: the package is part of the full name of every type and rpc in the file, so changing it renames them all. To move types to another package, declare them in a new file and keep these.`,
    ),
  );
}
