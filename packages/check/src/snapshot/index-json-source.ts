/** A 1-based line and column of a JSON text. */
export interface JsonPosition {
  readonly line: number;
  readonly column: number;
}

/** A parsed JSON text that knows where each of its values was written. */
export interface JsonSourceIndex {
  /** The parsed value, as `JSON.parse` gives it. */
  readonly value: unknown;
  /**
   * Where the value at `path` was written: an object member at its key, an
   * array element at its first character, the root at its start. For a path
   * that does not exist, where its nearest existing ancestor was written.
   */
  locate(path: readonly (string | number)[]): JsonPosition;
}

/** The text is not JSON; `line` and `column` are where reading stopped. Internal: callers wrap it. */
export class JsonSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${reason} (line ${line}, column ${column})`);
  }
}

/**
 * Parses JSON text and records the position of every value by its path.
 * Throws {@link JsonSyntaxError} with the line of the first error, which
 * `JSON.parse` does not give.
 */
export function indexJsonSource(text: string): JsonSourceIndex {
  const source = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const positions = new JsonScanner(source).scan();
  const value: unknown = JSON.parse(source);
  return {
    value,
    locate(path) {
      for (let length = path.length; length > 0; length -= 1) {
        const found = positions.get(pathKey(path.slice(0, length)));
        if (found !== undefined) return found;
      }
      return positions.get("") ?? { line: 1, column: 1 };
    },
  };
}

// A JSON Pointer (RFC 6901) of a path.
function pathKey(path: readonly (string | number)[]): string {
  return path.map((segment) => `/${String(segment).replaceAll("~", "~0").replaceAll("/", "~1")}`).join("");
}

/**
 * Deeper nesting is refused as an error of the text: no manifest or JSON
 * Schema needs it, and the checks that walk the value recurse by level.
 */
const MAX_JSON_DEPTH = 256;

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const LITERAL = /true|false|null/y;
const ESCAPE = /["\\/bfnrt]|u[0-9A-Fa-f]{4}/y;

// Walks the text once, validating its syntax and noting where each value starts.
class JsonScanner {
  private index = 0;
  private depth = 0;
  private line = 1;
  private lineStart = 0;
  private readonly positions = new Map<string, JsonPosition>();

  constructor(private readonly text: string) {}

  scan(): Map<string, JsonPosition> {
    this.skipSpace();
    this.value("");
    this.skipSpace();
    if (this.index < this.text.length) this.fail("unexpected text after the JSON value");
    return this.positions;
  }

  private value(key: string): void {
    if (!this.positions.has(key)) this.positions.set(key, this.here());
    const char = this.text[this.index];
    if (char === "{" || char === "[") {
      if (this.depth === MAX_JSON_DEPTH) this.fail(`nested deeper than ${MAX_JSON_DEPTH} levels`);
      this.depth += 1;
      if (char === "{") this.object(key);
      else this.array(key);
      this.depth -= 1;
    } else if (char === '"') this.string();
    else if (!this.match(NUMBER) && !this.match(LITERAL)) this.fail(char === undefined ? "unexpected end of text" : `unexpected ${JSON.stringify(char)}`);
  }

  private object(key: string): void {
    if (this.open("}")) return;
    for (;;) {
      this.skipSpace();
      if (this.text[this.index] !== '"') this.fail("expected a property name in double quotes");
      const at = this.here();
      const name = JSON.parse(this.text.slice(this.index, this.string())) as string;
      const member = `${key}/${name.replaceAll("~", "~0").replaceAll("/", "~1")}`;
      this.positions.set(member, at);
      this.skipSpace();
      this.expect(":");
      this.skipSpace();
      this.value(member);
      if (this.endOfList("}")) return;
    }
  }

  private array(key: string): void {
    if (this.open("]")) return;
    for (let position = 0; ; position += 1) {
      this.skipSpace();
      this.value(`${key}/${position}`);
      if (this.endOfList("]")) return;
    }
  }

  // Moves past an opening bracket: true (and past the closing one too) when the list is empty.
  private open(close: string): boolean {
    this.index += 1;
    this.skipSpace();
    if (this.text[this.index] !== close) return false;
    this.index += 1;
    return true;
  }

  // After a member or element: true at the closing bracket, false after a comma.
  private endOfList(close: string): boolean {
    this.skipSpace();
    const char = this.text[this.index];
    if (char === ",") {
      this.index += 1;
      return false;
    }
    if (char === close) {
      this.index += 1;
      return true;
    }
    return this.fail(`expected "," or "${close}"`);
  }

  // Moves past a string literal and returns the index after its closing quote.
  private string(): number {
    const start = this.index;
    for (let index = start + 1; index < this.text.length; index += 1) {
      const code = this.text.charCodeAt(index);
      if (code === 0x5c) {
        ESCAPE.lastIndex = index + 1;
        if (!ESCAPE.test(this.text)) {
          this.index = index;
          this.fail("invalid escape in a string");
        }
        index = ESCAPE.lastIndex - 1;
      } else if (code === 0x22) {
        this.index = index + 1;
        return this.index;
      } else if (code < 0x20) {
        this.index = index;
        this.fail("control character in a string");
      }
    }
    this.index = this.text.length;
    return this.fail("unterminated string");
  }

  private match(pattern: RegExp): boolean {
    pattern.lastIndex = this.index;
    if (!pattern.test(this.text)) return false;
    this.index = pattern.lastIndex;
    return true;
  }

  private expect(char: string): void {
    if (this.text[this.index] !== char) this.fail(`expected "${char}"`);
    this.index += 1;
  }

  private skipSpace(): void {
    for (; this.index < this.text.length; this.index += 1) {
      const code = this.text.charCodeAt(this.index);
      if (code === 0x0a) {
        this.line += 1;
        this.lineStart = this.index + 1;
      } else if (code !== 0x20 && code !== 0x09 && code !== 0x0d) {
        return;
      }
    }
  }

  private here(): JsonPosition {
    return { line: this.line, column: this.index - this.lineStart + 1 };
  }

  private fail(reason: string): never {
    throw new JsonSyntaxError(reason, this.line, this.index - this.lineStart + 1);
  }
}
