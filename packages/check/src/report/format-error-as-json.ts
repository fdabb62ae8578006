import type { TwostepError } from "@twostep/core";
import { SchemaSourceError } from "../errors/index.js";
import { workingTreeFile } from "./working-tree-file.js";

/**
 * Renders an error that stopped a check as the JSON document `twostep check
 * --format json` prints instead of violations: `{ "error": { "code",
 * "file", "line", "side", "message" } }`, two-space indented, with a final
 * newline. `file`, `line` and `side` come with a `SchemaSourceError`: a file
 * in the working tree relative to `cwd`; one at the base as named in its
 * revision, with `root` naming the revision.
 */
export function formatErrorAsJson(error: TwostepError, options: { cwd: string }): string {
  const file = workingTreeFile(error, options.cwd);
  const located =
    error instanceof SchemaSourceError
      ? { file: file ?? error.file, line: error.line, side: error.side, ...(file !== undefined || error.root === undefined ? {} : { root: error.root }) }
      : {};
  return `${JSON.stringify({ error: { code: error.code, ...located, message: error.message } }, null, 2)}\n`;
}
