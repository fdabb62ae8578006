/** A 1-based line and column in a .proto file, columns counted as buf counts them. */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/** One token of .proto source with where it starts. */
export interface ProtoToken extends SourcePosition {
  readonly kind: "ident" | "number" | "string" | "punct";
  /** The source text; for a string literal, without its quotes and escapes undone ({@link ProtoToken.bytes}). */
  readonly text: string;
  /** The bytes a string literal denotes (escapes decoded, text as UTF-8). */
  readonly bytes?: Uint8Array;
}

/**
 * The source is not valid .proto text where this package reads it itself (an
 * unterminated string, a default that does not fit its type). Internal: the
 * loader turns it into a `ProtoParseError`.
 */
export class ProtoSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly file?: string,
  ) {
    super(`${reason} (line ${line})`);
  }
}

const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER = /0[xX][0-9A-Fa-f]+|(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/y;
const SIMPLE_ESCAPES: Readonly<Record<string, number>> = {
  a: 7,
  b: 8,
  f: 12,
  n: 10,
  r: 13,
  t: 9,
  v: 11,
  "\\": 92,
  "'": 39,
  '"': 34,
  "?": 63,
};
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Splits .proto source into tokens, dropping whitespace and comments.
 * Columns follow buf (and protocompile): one per character, with tab stops
 * every 4 columns, so reported positions match `buf breaking`.
 */
export function tokenizeProto(source: string): ProtoToken[] {
  const tokens: ProtoToken[] = [];
  const length = source.length;
  let index = 0;
  let line = 1;
  let column = 1;

  // Moves over source[index, end) that holds no token, keeping line and column.
  const skipTo = (end: number): void => {
    while (index < end) {
      const code = source.charCodeAt(index);
      if (code === 10) {
        line += 1;
        column = 1;
      } else if (code === 9) {
        column = nextTabStop(column);
      } else if (!isLowSurrogate(code)) {
        column += 1;
      }
      index += 1;
    }
  };

  while (index < length) {
    const code = source.charCodeAt(index);
    if (code === 10 || code === 9 || code === 32 || code === 13 || code === 11 || code === 12) {
      skipTo(index + 1);
      continue;
    }
    if (code === 47 && source.charCodeAt(index + 1) === 47) {
      const end = source.indexOf("\n", index);
      skipTo(end === -1 ? length : end);
      continue;
    }
    if (code === 47 && source.charCodeAt(index + 1) === 42) {
      const end = source.indexOf("*/", index + 2);
      if (end === -1) throw new ProtoSyntaxError("unterminated block comment", line);
      skipTo(end + 2);
      continue;
    }
    const start = { line, column };
    if (code === 34 || code === 39) {
      const { end, bytes } = readString(source, index, line);
      tokens.push({ kind: "string", text: decoder.decode(bytes), bytes, ...start });
      skipTo(end);
      continue;
    }
    const ident = matchAt(IDENT, source, index);
    const number = ident === undefined && isNumberStart(source, index) ? matchAt(NUMBER, source, index) : undefined;
    const token: ProtoToken =
      ident !== undefined
        ? { kind: "ident", text: ident, ...start }
        : number !== undefined
          ? { kind: "number", text: number, ...start }
          : { kind: "punct", text: String.fromCodePoint(source.codePointAt(index) ?? code), ...start };
    tokens.push(token);
    skipTo(index + token.text.length);
  }
  return tokens;
}

function matchAt(pattern: RegExp, source: string, index: number): string | undefined {
  pattern.lastIndex = index;
  return pattern.exec(source)?.[0];
}

function isNumberStart(source: string, index: number): boolean {
  const code = source.charCodeAt(index);
  if (code >= 48 && code <= 57) return true;
  const next = source.charCodeAt(index + 1);
  return code === 46 && next >= 48 && next <= 57;
}

function nextTabStop(column: number): number {
  return Math.floor((column - 1) / 4) * 4 + 5;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

// Decodes the string literal starting at source[start] (a quote) into the
// bytes it denotes, as protoc does: octal and hex escapes are raw bytes,
// \u and \U escapes and plain text are UTF-8.
function readString(source: string, start: number, line: number): { end: number; bytes: Uint8Array } {
  const quote = source[start];
  const bytes: number[] = [];
  let index = start + 1;
  for (;;) {
    const char = source[index];
    if (char === undefined || char === "\n") throw new ProtoSyntaxError("unterminated string literal", line);
    if (char === quote) return { end: index + 1, bytes: Uint8Array.from(bytes) };
    if (char !== "\\") {
      const point = source.codePointAt(index) ?? 0;
      const text = String.fromCodePoint(point);
      for (const byte of encoder.encode(text)) bytes.push(byte);
      index += text.length;
      continue;
    }
    const escapeChar = source[index + 1] ?? "";
    const simple = SIMPLE_ESCAPES[escapeChar];
    if (simple !== undefined) {
      bytes.push(simple);
      index += 2;
      continue;
    }
    const octal = /^[0-7]{1,3}/.exec(source.slice(index + 1, index + 4));
    if (octal !== null) {
      bytes.push(Number.parseInt(octal[0], 8) & 0xff);
      index += 1 + octal[0].length;
      continue;
    }
    const hex = /^[xX]([0-9A-Fa-f]{1,2})/.exec(source.slice(index + 1, index + 4));
    if (hex !== null) {
      bytes.push(Number.parseInt(hex[1] ?? "0", 16));
      index += 1 + hex[0].length;
      continue;
    }
    const unicode = /^(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8}))/.exec(source.slice(index + 1, index + 10));
    if (unicode !== null) {
      const point = Number.parseInt(unicode[1] ?? unicode[2] ?? "0", 16);
      if (point > 0x10ffff) throw new ProtoSyntaxError(`invalid unicode escape \\${unicode[0]}`, line);
      for (const byte of encoder.encode(String.fromCodePoint(point))) bytes.push(byte);
      index += 1 + unicode[0].length;
      continue;
    }
    throw new ProtoSyntaxError(`invalid escape \\${escapeChar} in string literal`, line);
  }
}
