import { posix } from "node:path";
import { LineCounter, parseDocument, type Document } from "yaml";
import { CheckConfigError, type SchemaErrorLocation } from "../errors/index.js";

/** A parsed YAML configuration file that knows the line of each of its values. */
export class YamlConfig {
  private constructor(
    private readonly document: Document,
    private readonly lines: LineCounter,
    private readonly location: Omit<SchemaErrorLocation, "line">,
  ) {}

  /** Parses `text` (the file at `location`); throws {@link CheckConfigError} at the line of a YAML syntax error. */
  static parse(text: string, location: Omit<SchemaErrorLocation, "line">): YamlConfig {
    const lines = new LineCounter();
    const document = parseDocument(text, { lineCounter: lines, prettyErrors: false });
    const error = document.errors[0];
    if (error !== undefined) {
      throw new CheckConfigError({ ...location, line: lines.linePos(error.pos[0]).line }, `not valid YAML: ${error.message.split("\n")[0] ?? ""}`);
    }
    return new YamlConfig(document, lines, location);
  }

  /** The whole document as plain data. */
  get value(): unknown {
    return this.document.toJS();
  }

  /** The 1-based line of the value at `path` (keys and indexes), else of the nearest enclosing value that exists. */
  lineOf(path: readonly (string | number)[]): number {
    for (let length = path.length; length >= 0; length--) {
      const node = this.document.getIn(path.slice(0, length), true) as { range?: [number, number, number] } | undefined;
      if (node?.range !== undefined) return this.lines.linePos(node.range[0]).line;
    }
    return 1;
  }

  /**
   * `path`, a value of the file at `at` relative to the file's directory,
   * joined to `base` (that directory relative to the one the result is
   * relative to), with `/` separators; `.` for the directory itself. Throws
   * at `at` when it is absolute or leaves the directory.
   */
  path(at: readonly (string | number)[], base: string, path: string): string {
    const joined = posix.normalize(posix.join(base, path)).replace(/\/+$/, "");
    if (path === "" || posix.isAbsolute(path) || joined === ".." || joined.startsWith("../")) {
      throw this.error(at, `path ${JSON.stringify(path)} must be relative to the directory of the file, and inside it`);
    }
    return joined === "" ? "." : joined;
  }

  /** A {@link CheckConfigError} at the value at `path`. */
  error(path: readonly (string | number)[], problem: string): CheckConfigError {
    return new CheckConfigError({ ...this.location, line: this.lineOf(path) }, problem);
  }
}

/** True for a YAML mapping. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
