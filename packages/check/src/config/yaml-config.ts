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

  /** A {@link CheckConfigError} at the value at `path`. */
  error(path: readonly (string | number)[], problem: string): CheckConfigError {
    return new CheckConfigError({ ...this.location, line: this.lineOf(path) }, problem);
  }
}
