import protobuf from "protobufjs";
import { fieldDefault } from "./field-default.js";
import type { FieldSource, ProtoSourceIndex } from "./proto-source-index.js";
import { mapEntryName } from "./map-entry-name.js";
import type {
  EnumSchema,
  EnumShape,
  FieldCardinality,
  FieldKind,
  FieldSchema,
  FileSchema,
  MessageSchema,
  NumberRange,
  ProtoSchema,
  Reservations,
  ServiceSchema,
} from "./proto-schema.js";
import { ProtoSyntaxError, type SourcePosition } from "./tokenize-proto.js";

const SCALARS = new Set<string>([
  "double",
  "float",
  "int64",
  "uint64",
  "int32",
  "fixed64",
  "fixed32",
  "bool",
  "string",
  "bytes",
  "uint32",
  "sfixed32",
  "sfixed64",
  "sint32",
  "sint64",
]);
const FILE_START: SourcePosition = { line: 1, column: 1 };

/**
 * Turns a resolved protobufjs root into the flat {@link ProtoSchema} the rules
 * compare, keeping only what the files in `sources` declare and taking
 * positions and `default` literals from their source indexes. Throws
 * `ProtoSyntaxError` (with its file) when a default does not fit its type.
 */
export function buildProtoSchema(root: protobuf.Root, sources: ReadonlyMap<string, ProtoSourceIndex>): ProtoSchema {
  const builder = new SchemaBuilder(sources);
  builder.visit(root);
  return builder.schema;
}

interface MutableSchema {
  readonly files: Map<string, FileSchema>;
  readonly messages: Map<string, MessageSchema>;
  readonly enums: Map<string, EnumSchema>;
  readonly services: Map<string, ServiceSchema>;
  readonly extensions: Map<string, FieldSchema>;
}

class SchemaBuilder {
  readonly schema: MutableSchema = { files: new Map(), messages: new Map(), enums: new Map(), services: new Map(), extensions: new Map() };
  private readonly shapes = new WeakMap<protobuf.Enum, EnumShape>();

  constructor(private readonly sources: ReadonlyMap<string, ProtoSourceIndex>) {
    for (const [path, index] of sources) {
      this.schema.files.set(path, { path, packageName: index.packageName, packageAt: index.packageAt });
    }
  }

  visit(namespace: protobuf.NamespaceBase): void {
    for (const object of namespace.nestedArray) {
      const index = object.filename === null ? undefined : this.sources.get(object.filename);
      if (index !== undefined && object.filename !== null) {
        if (object instanceof protobuf.Type) this.message(object, object.filename, index);
        else if (object instanceof protobuf.Enum) this.enumeration(object, object.filename, index);
        else if (object instanceof protobuf.Service) this.service(object, object.filename, index);
        else if (object instanceof protobuf.Field && object.extensionField) this.extension(object, object.filename, index);
      }
      if (object instanceof protobuf.Namespace || object instanceof protobuf.Type) this.visit(object);
    }
  }

  private message(type: protobuf.Type, file: string, index: ProtoSourceIndex): void {
    const fullName = fullNameOf(type);
    const source = index.messages.get(fullName);
    const at = source?.at ?? FILE_START;
    const fields = new Map<number, FieldSchema>();
    for (const field of type.fieldsArray) {
      // Extensions of this message declared elsewhere appear as sister fields.
      if (field.declaringField !== null) continue;
      const fieldSource = source?.fields.get(field.id);
      const schema = this.field(field, { owner: type.name, file, index, source: fieldSource, fallback: at });
      fields.set(field.id, schema);
      if (field instanceof protobuf.MapField) this.mapEntry(type, field, schema, index);
    }
    this.schema.messages.set(fullName, { fullName, name: type.name, file, at, fields, ...reservations(type.reserved) });
  }

  // protoc turns `map<K, V> name = N` into a repeated field of a nested
  // `NameEntry { K key = 1; V value = 2; }`; buf pairs and checks those too.
  private mapEntry(type: protobuf.Type, field: protobuf.MapField, mapField: FieldSchema, index: ProtoSourceIndex): void {
    const name = mapEntryName(field.name);
    const fullName = `${fullNameOf(type)}.${name}`;
    const at = index.messages.get(fullName)?.at ?? mapField.at;
    const implicit = index.syntax === "proto3";
    const entryField = (number: number, fieldName: string, typeName: string, resolved: protobuf.ReflectionObject | null): FieldSchema => {
      const { kind, enumType } = this.kindOf(typeName, resolved, false);
      const cardinality = kind === "message" || !implicit ? "optional with explicit presence" : "optional with implicit presence";
      return {
        fullName: `${fullName}.${fieldName}`,
        number,
        name: fieldName,
        extension: false,
        owner: name,
        kind,
        kindLabel: kind,
        typeName: resolved === null ? undefined : fullNameOf(resolved),
        enumType,
        cardinality,
        defaultValue: this.defaultOf(kind, undefined, enumType, mapField.file),
        file: mapField.file,
        at,
        typeAt: at,
      };
    };
    const fields = new Map([
      [1, entryField(1, "key", field.keyType, null)],
      [2, entryField(2, "value", field.type, field.resolvedType)],
    ]);
    this.schema.messages.set(fullName, { fullName, name, file: mapField.file, at, fields, reservedRanges: [], reservedNames: [] });
  }

  private extension(field: protobuf.Field, file: string, index: ProtoSourceIndex): void {
    const extendee = field.extensionField?.parent;
    if (extendee === null || extendee === undefined) return;
    const owner = fullNameOf(extendee);
    const schema = this.field(field, {
      owner,
      file,
      index,
      source: index.extensions.get(fullNameOf(field)),
      fallback: FILE_START,
      extension: true,
    });
    this.schema.extensions.set(`${owner}:${field.id}`, schema);
  }

  private field(
    field: protobuf.Field,
    context: {
      owner: string;
      file: string;
      index: ProtoSourceIndex;
      source: FieldSource | undefined;
      fallback: SourcePosition;
      extension?: boolean;
    },
  ): FieldSchema {
    const isMap = field instanceof protobuf.MapField;
    const resolved = isMap ? null : field.resolvedType;
    const { kind, enumType } = this.kindOf(field.type, resolved, isMap ? false : isDelimited(field));
    const isGroup = isGroupType(resolved);
    const cardinality = cardinalityOf(field, kind, context.extension === true);
    const at = context.source?.at ?? context.fallback;
    return {
      fullName: fullNameOf(field),
      number: field.id,
      name: context.extension === true ? fullNameOf(field) : isGroup ? field.name.toLowerCase() : field.name,
      extension: context.extension === true,
      owner: context.owner,
      kind: isMap ? "message" : kind,
      kindLabel: kind === "group" && context.index.syntax === "editions" ? "message (delimited encoding)" : isMap ? "message" : kind,
      typeName: isMap ? `${fullNameOf(field.parent ?? field)}.${mapEntryName(field.name)}` : resolved === null ? undefined : fullNameOf(resolved),
      enumType,
      cardinality,
      oneof: field.partOf !== null && field.options?.["proto3_optional"] !== true ? field.partOf.name : undefined,
      defaultValue: cardinality === "repeated" ? undefined : this.defaultOf(kind, context.source, enumType, context.file),
      file: context.file,
      at,
      typeAt: context.source?.typeAt ?? at,
      defaultAt: context.source?.defaultAt,
    };
  }

  private kindOf(type: string, resolved: protobuf.ReflectionObject | null, delimited: boolean): { kind: FieldKind; enumType?: EnumShape } {
    if (SCALARS.has(type) && resolved === null) return { kind: type as FieldKind };
    if (resolved instanceof protobuf.Enum) return { kind: "enum", enumType: this.shape(resolved) };
    return { kind: delimited ? "group" : "message" };
  }

  private defaultOf(kind: FieldKind, source: FieldSource | undefined, enumType: EnumShape | undefined, file: string) {
    try {
      return fieldDefault(kind, source?.defaultLiteral, enumType);
    } catch (error) {
      if (error instanceof ProtoSyntaxError) throw new ProtoSyntaxError(error.reason, error.line, file);
      throw error;
    }
  }

  private shape(enumeration: protobuf.Enum): EnumShape {
    let shape = this.shapes.get(enumeration);
    if (shape === undefined) {
      shape = { name: enumeration.name, values: new Map(Object.entries(enumeration.values)) };
      this.shapes.set(enumeration, shape);
    }
    return shape;
  }

  private enumeration(enumeration: protobuf.Enum, file: string, index: ProtoSourceIndex): void {
    const fullName = fullNameOf(enumeration);
    this.schema.enums.set(fullName, {
      fullName,
      name: enumeration.name,
      file,
      at: index.enums.get(fullName) ?? FILE_START,
      numbers: new Set(Object.values(enumeration.values)),
      ...reservations(enumeration.reserved),
    });
  }

  private service(service: protobuf.Service, file: string, index: ProtoSourceIndex): void {
    const fullName = fullNameOf(service);
    const source = index.services.get(fullName);
    const methods = new Map(
      service.methodsArray.map((method) => {
        const methodSource = source?.methods.get(method.name);
        const at = methodSource?.at ?? source?.at ?? FILE_START;
        const level: unknown = method.options?.["idempotency_level"];
        return [
          method.name,
          {
            name: method.name,
            requestType: method.resolvedRequestType === null ? method.requestType : fullNameOf(method.resolvedRequestType),
            responseType: method.resolvedResponseType === null ? method.responseType : fullNameOf(method.resolvedResponseType),
            clientStreaming: method.requestStream === true,
            serverStreaming: method.responseStream === true,
            idempotencyLevel: typeof level === "string" ? level : "IDEMPOTENCY_UNKNOWN",
            at,
            requestAt: methodSource?.requestAt ?? at,
            responseAt: methodSource?.responseAt ?? at,
            idempotencyAt: methodSource?.idempotencyAt,
          },
        ] as const;
      }),
    );
    this.schema.services.set(fullName, { fullName, name: service.name, file, methods });
  }
}

// Editions features as protobufjs resolved them (proto2 and proto3 included).
function featuresOf(object: protobuf.ReflectionObject): Readonly<Record<string, unknown>> {
  return (object as unknown as { _features?: Record<string, unknown> })._features ?? {};
}

function isDelimited(field: protobuf.Field): boolean {
  const resolved = field.resolvedType;
  return resolved instanceof protobuf.Type && (isGroupType(resolved) || featuresOf(field)["message_encoding"] === "DELIMITED");
}

// A proto2 `group`'s message (protobufjs marks it, untyped).
function isGroupType(type: protobuf.ReflectionObject | null): boolean {
  return type instanceof protobuf.Type && (type as unknown as { group?: boolean }).group === true;
}

function cardinalityOf(field: protobuf.Field, kind: FieldKind, extension: boolean): FieldCardinality {
  if (field instanceof protobuf.MapField || field.repeated) return "repeated";
  const presence = featuresOf(field)["field_presence"];
  if (field.rule === "required" || presence === "LEGACY_REQUIRED") return "required";
  const explicit = kind === "message" || kind === "group" || field.partOf !== null || extension || presence !== "IMPLICIT";
  return explicit ? "optional with explicit presence" : "optional with implicit presence";
}

function reservations(reserved: ReadonlyArray<number[] | string> | undefined): Reservations {
  const reservedRanges: NumberRange[] = [];
  const reservedNames: string[] = [];
  for (const entry of reserved ?? []) {
    if (typeof entry === "string") reservedNames.push(entry);
    else reservedRanges.push([entry[0] ?? 0, entry[1] ?? entry[0] ?? 0]);
  }
  return { reservedRanges, reservedNames };
}

/** The full name of a protobufjs object without its leading dot, as the schema keys it. */
export function fullNameOf(object: protobuf.ReflectionObject): string {
  return object.fullName.replace(/^\./, "");
}
