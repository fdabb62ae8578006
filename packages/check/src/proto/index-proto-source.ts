import { mapEntryName } from "./map-entry-name.js";
import type { FieldSource, MessageSource, MethodSource, ProtoSourceIndex, ServiceSource } from "./proto-source-index.js";
import { ProtoTokenCursor } from "./proto-token-cursor.js";
import type { ProtoToken, SourcePosition } from "./tokenize-proto.js";

const LABELS = new Set(["optional", "required", "repeated"]);

/**
 * Reads the declarations of a tokenized .proto file. The file is expected to
 * have parsed already (with protobufjs), so this reader is lenient: it skips
 * what it does not need (options, enum values, reserved and extension ranges)
 * by balancing brackets.
 */
export function indexProtoSource(tokens: readonly ProtoToken[]): ProtoSourceIndex {
  return new SourceIndexer(tokens).run();
}

class SourceIndexer extends ProtoTokenCursor {
  private readonly index: ProtoSourceIndex = {
    syntax: "proto2",
    packageName: "",
    imports: [],
    messages: new Map(),
    enums: new Map(),
    services: new Map(),
    extensions: new Map(),
  };

  run(): ProtoSourceIndex {
    while (this.peek() !== undefined) this.topLevel();
    return this.index;
  }

  private topLevel(): void {
    const token = this.next();
    const scope = this.index.packageName;
    switch (token.text) {
      case "syntax":
      case "edition": {
        this.expect("=");
        const value = this.readString();
        this.index.syntax = token.text === "edition" ? "editions" : value === "proto3" ? "proto3" : "proto2";
        this.expect(";");
        return;
      }
      case "package":
        this.index.packageName = this.readTypeName();
        this.index.packageAt = at(token);
        this.expect(";");
        return;
      case "import":
        if (this.peekIs("weak") || this.peekIs("public")) this.next();
        this.index.imports.push({ path: this.readString(), at: at(token) });
        this.expect(";");
        return;
      case "message":
        this.message(scope, token);
        return;
      case "enum":
        this.enumeration(scope, token);
        return;
      case "service":
        this.service(scope, token);
        return;
      case "extend":
        this.extend(scope);
        return;
      case "option":
        this.skipStatement();
        return;
      case "export":
      case "local":
      case ";":
        return;
      default:
        throw this.unexpected(token);
    }
  }

  private message(scope: string, keyword: ProtoToken): void {
    const fullName = join(scope, this.readIdent());
    const message: MessageSource = { at: at(keyword), fields: new Map() };
    this.index.messages.set(fullName, message);
    this.expect("{");
    this.messageBody(fullName, message.fields);
  }

  // Reads the declarations of a message body, after its `{`.
  private messageBody(fullName: string, fields: Map<number, FieldSource>): void {
    this.block((token) => {
      switch (token.text) {
        case "export":
        case "local":
          this.next();
          return;
        case "message":
          this.next();
          return this.message(fullName, token);
        case "enum":
          this.next();
          return this.enumeration(fullName, token);
        case "extend":
          this.next();
          return this.extend(fullName);
        case "option":
        case "extensions":
        case "reserved":
          return this.skipStatement();
        case "oneof":
          this.next();
          this.readIdent();
          this.expect("{");
          return this.block((inner) => (inner.text === "option" ? this.skipStatement() : this.addField(fullName, fields)));
        case "map":
          if (this.peek(1)?.text === "<") return this.mapField(fullName, fields);
      }
      this.addField(fullName, fields);
    });
  }

  // Reads statements up to and including the `}` that closes the current
  // block, skipping empty statements; `statement` consumes each other one.
  private block(statement: (token: ProtoToken) => void): void {
    for (;;) {
      const token = this.peekToken();
      if (token.text === "}") {
        this.next();
        return;
      }
      if (token.text === ";") this.next();
      else statement(token);
    }
  }

  private addField(scope: string, fields: Map<number, FieldSource>): void {
    const field = this.field(scope);
    fields.set(field.number, field.source);
  }

  // A field or a group, in a message, a oneof or an extend block. `scope` is
  // where a group's message is declared.
  private field(scope: string): { number: number; name: string; source: FieldSource } {
    const first = this.peekToken();
    if (LABELS.has(first.text) && !this.isFieldNameAhead(1)) this.next();
    const typeToken = this.peekToken();
    if (typeToken.text === "group" && this.peek(1)?.kind === "ident" && this.peek(2)?.text === "=") {
      this.next();
      const groupName = this.readIdent();
      this.expect("=");
      const number = this.readInteger();
      const options = this.peekIs("[") ? this.fieldOptions() : {};
      const group: MessageSource = { at: at(first), fields: new Map() };
      this.index.messages.set(join(scope, groupName), group);
      this.expect("{");
      this.messageBody(join(scope, groupName), group.fields);
      return { number, name: groupName.toLowerCase(), source: { at: at(first), typeAt: at(typeToken), ...options } };
    }
    this.readTypeName();
    const name = this.readIdent();
    this.expect("=");
    const number = this.readInteger();
    const options = this.peekIs("[") ? this.fieldOptions() : {};
    this.expect(";");
    return { number, name, source: { at: at(first), typeAt: at(typeToken), ...options } };
  }

  // True when tokens[position + offset] is a field name followed by `=`, i.e.
  // the token before it was a type, not a label (a proto3 field of a message
  // type called `optional` is legal, if unwise).
  private isFieldNameAhead(offset: number): boolean {
    return this.peek(offset)?.kind === "ident" && this.peek(offset + 1)?.text === "=";
  }

  private mapField(messageName: string, fields: Map<number, FieldSource>): void {
    const keyword = this.next();
    this.skipBalanced();
    const name = this.readIdent();
    this.expect("=");
    const number = this.readInteger();
    if (this.peekIs("[")) this.fieldOptions();
    this.expect(";");
    const source: FieldSource = { at: at(keyword), typeAt: at(keyword) };
    fields.set(number, source);
    // protoc declares a map as a repeated field of a nested entry message, and
    // places the entry and its key and value fields at the map field.
    this.index.messages.set(join(messageName, mapEntryName(name)), {
      at: at(keyword),
      fields: new Map([
        [1, source],
        [2, source],
      ]),
    });
  }

  // Reads `[name = value, ...]`, keeping the position and literal of `default`.
  private fieldOptions(): Pick<FieldSource, "defaultAt" | "defaultLiteral"> {
    this.expect("[");
    let found: Pick<FieldSource, "defaultAt" | "defaultLiteral"> = {};
    for (;;) {
      const nameStart = this.peekToken();
      if (nameStart.text === "default" && this.peek(1)?.text === "=") {
        this.position += 2;
        const negative = this.peekIs("-");
        if (negative) this.next();
        found = { defaultAt: at(nameStart), defaultLiteral: { negative, token: this.readLiteral() } };
      } else {
        this.skipUntil([",", "]"]);
      }
      const separator = this.next();
      if (separator.text === "]") return found;
      if (separator.text !== ",") throw this.unexpected(separator);
    }
  }

  private enumeration(scope: string, keyword: ProtoToken): void {
    this.index.enums.set(join(scope, this.readIdent()), at(keyword));
    if (this.peekToken().text !== "{") throw this.unexpected(this.peekToken());
    this.skipBalanced();
  }

  private service(scope: string, keyword: ProtoToken): void {
    const service: ServiceSource = { at: at(keyword), methods: new Map() };
    this.index.services.set(join(scope, this.readIdent()), service);
    this.expect("{");
    this.block((token) => {
      if (token.text === "option") return this.skipStatement();
      if (token.text !== "rpc") throw this.unexpected(token);
      this.next();
      service.methods.set(this.readIdent(), this.method(token));
    });
  }

  private method(keyword: ProtoToken): MethodSource {
    const requestAt = this.methodType();
    this.expect("returns");
    const responseAt = this.methodType();
    const method = { at: at(keyword), requestAt, responseAt };
    if (this.next().text === ";") return method;
    this.position -= 1;
    this.expect("{");
    let idempotencyAt: SourcePosition | undefined;
    this.block((token) => {
      if (token.text === "option" && this.peek(1)?.text === "idempotency_level" && this.peek(2)?.text === "=") {
        idempotencyAt = at(token);
      }
      this.skipStatement();
    });
    return idempotencyAt === undefined ? method : { ...method, idempotencyAt };
  }

  // Reads `( [stream] Type )` and returns where the type starts.
  private methodType(): SourcePosition {
    this.expect("(");
    if (this.peekIs("stream") && this.peek(1)?.text !== ")" && this.peek(1)?.text !== ".") this.next();
    const start = at(this.peekToken());
    this.readTypeName();
    this.expect(")");
    return start;
  }

  private extend(scope: string): void {
    this.readTypeName();
    this.expect("{");
    this.block(() => {
      const field = this.field(scope);
      this.index.extensions.set(join(scope, field.name), field.source);
    });
  }
}

function join(scope: string, name: string): string {
  return scope === "" ? name : `${scope}.${name}`;
}

function at(token: SourcePosition): SourcePosition {
  return { line: token.line, column: token.column };
}
