import { parseIntegerLiteral } from "./parse-integer-literal.js";
import { ProtoSyntaxError, type ProtoToken } from "./tokenize-proto.js";

const OPENERS: Readonly<Record<string, string>> = { "{": "}", "[": "]", "(": ")", "<": ">" };

/**
 * Reads a tokenized .proto file token by token: looks ahead, expects,
 * reads names, literals and integers, skips statements and bracketed groups,
 * and words syntax errors with the line they are on. Readers of declarations
 * extend it.
 */
export class ProtoTokenCursor {
  protected position = 0;

  constructor(private readonly tokens: readonly ProtoToken[]) {}

  // Skips a statement up to and including its `;` (aggregate option values included).
  protected skipStatement(): void {
    this.skipUntil([";"]);
    this.next();
  }

  // Skips tokens until one of `stops` at bracket depth 0, leaving it unread.
  protected skipUntil(stops: readonly string[]): void {
    for (;;) {
      const token = this.peekToken();
      if (token.kind === "punct" && stops.includes(token.text)) return;
      if (token.kind === "punct" && OPENERS[token.text] !== undefined) this.skipBalanced();
      else this.next();
    }
  }

  // Skips a bracketed group: the opener at the current position to its closer.
  protected skipBalanced(): void {
    const closers: string[] = [];
    do {
      const token = this.next();
      const closer = token.kind === "punct" ? OPENERS[token.text] : undefined;
      if (closer !== undefined) closers.push(closer);
      else if (token.kind === "punct" && token.text === closers[closers.length - 1]) closers.pop();
    } while (closers.length > 0);
  }

  protected readLiteral(): ProtoToken {
    const token = this.next();
    if (token.kind !== "string") return token;
    // Adjacent string literals concatenate, as in C.
    const parts = [token.bytes ?? new Uint8Array()];
    while (this.peek()?.kind === "string") parts.push(this.next().bytes ?? new Uint8Array());
    if (parts.length === 1) return token;
    const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
    let offset = 0;
    for (const part of parts) {
      bytes.set(part, offset);
      offset += part.length;
    }
    return { ...token, text: new TextDecoder().decode(bytes), bytes };
  }

  protected readString(): string {
    const token = this.readLiteral();
    if (token.kind !== "string") throw this.unexpected(token);
    return token.text;
  }

  protected readIdent(): string {
    const token = this.next();
    if (token.kind !== "ident") throw this.unexpected(token);
    return token.text;
  }

  // Reads a possibly qualified name (`.pkg.Type`, `pkg . Type`).
  protected readTypeName(): string {
    let name = this.peekIs(".") ? this.next().text : "";
    name += this.readIdent();
    while (this.peekIs(".")) {
      this.next();
      name += `.${this.readIdent()}`;
    }
    return name;
  }

  protected readInteger(): number {
    const token = this.next();
    if (token.kind !== "number") throw this.unexpected(token);
    try {
      return Number(parseIntegerLiteral(token.text));
    } catch {
      throw this.unexpected(token, "an integer");
    }
  }

  protected expect(text: string): ProtoToken {
    const token = this.next();
    if (token.text !== text) throw this.unexpected(token, `"${text}"`);
    return token;
  }

  protected peekIs(text: string): boolean {
    return this.peek()?.text === text;
  }

  protected peek(offset = 0): ProtoToken | undefined {
    return this.tokens[this.position + offset];
  }

  protected peekToken(): ProtoToken {
    const token = this.peek();
    if (token === undefined) throw this.endOfInput();
    return token;
  }

  protected next(): ProtoToken {
    const token = this.peekToken();
    this.position += 1;
    return token;
  }

  protected unexpected(token: ProtoToken, expected?: string): ProtoSyntaxError {
    return new ProtoSyntaxError(`unexpected "${token.text}"${expected === undefined ? "" : `, expected ${expected}`}`, token.line);
  }

  protected endOfInput(): ProtoSyntaxError {
    return new ProtoSyntaxError("unexpected end of input", this.tokens[this.tokens.length - 1]?.line ?? 1);
  }
}
