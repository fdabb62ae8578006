import { TwostepError } from "@twostep/core";
import type { CheckErrorCode } from "./check-error-code.js";

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
 * Base of the errors that point at a line of a schema file (a .proto file,
 * the manifest, a JSON Schema snapshot): each carries the file, the line and
 * the side as fields.
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
