import { relative, resolve, sep } from "node:path";
import { SchemaSourceError } from "../errors/index.js";

/**
 * The file an error points at, relative to `cwd` with `/` separators, when it
 * is in the working tree; `undefined` for an error at the base revision
 * (whose file is named in that revision) or with no file.
 */
export function workingTreeFile(error: Error, cwd: string): string | undefined {
  if (!(error instanceof SchemaSourceError) || error.side !== "current") return undefined;
  return relative(cwd, resolve(cwd, error.root ?? ".", error.file))
    .split(sep)
    .join("/");
}
