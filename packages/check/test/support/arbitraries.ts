import fc from "fast-check";

/** A field of a generated schema. */
export interface GeneratedField {
  readonly number: number;
  readonly label: "" | "optional" | "required" | "repeated";
  readonly type: string;
  /** Inline options, with their brackets, or `""`. */
  readonly options: string;
}

/** A message of a generated schema; fields are named `f<number>`. */
export interface GeneratedMessage {
  readonly name: string;
  readonly fields: readonly GeneratedField[];
  readonly reserved: readonly number[];
}

/** A generated .proto file, before rendering. */
export interface GeneratedSchema {
  readonly syntax: "proto2" | "proto3" | "editions";
  readonly packageName: string;
  readonly messages: readonly GeneratedMessage[];
  /** Enums `E0`...; each has values 0 to `size - 1`. */
  readonly enumSizes: readonly number[];
  /** Rpcs of service `Api` as [request message index, response message index, client streams, server streams]. */
  readonly rpcs: readonly (readonly [number, number, boolean, boolean])[];
}

/** Where the renderer put each declaration (1-based lines and columns). */
export interface RenderedSchema {
  readonly text: string;
  readonly messageLines: ReadonlyMap<string, number>;
  /** `${message}.${number}` to the line and the column of the field's type. */
  readonly fieldTypes: ReadonlyMap<string, { readonly line: number; readonly column: number }>;
}

const SCALARS = ["int32", "int64", "uint32", "uint64", "sint32", "sint64", "bool", "string", "bytes", "fixed32", "sfixed64", "double", "float"];
const LABELS = {
  proto2: ["optional", "required", "repeated"],
  proto3: ["", "optional", "repeated"],
  editions: ["", "repeated"],
} as const;

function fieldArb(syntax: GeneratedSchema["syntax"], messageCount: number, enumCount: number): fc.Arbitrary<Omit<GeneratedField, "number">> {
  const types = [...SCALARS, ...Array.from({ length: messageCount }, (_, i) => `M${i}`), ...Array.from({ length: enumCount }, (_, i) => `E${i}`)];
  return fc
    .record({
      label: fc.constantFrom(...LABELS[syntax]),
      type: fc.constantFrom(...types),
      feature: fc.constantFrom("", "IMPLICIT", "LEGACY_REQUIRED"),
    })
    .map(({ label, type, feature }) => {
      const singularScalar = label === "" && SCALARS.includes(type);
      const options = syntax === "editions" && singularScalar && feature !== "" ? ` [features.field_presence = ${feature}]` : "";
      return { label, type, options };
    });
}

/** Arbitrary proto2, proto3 or editions files with messages, enums, reserved numbers and a service. */
export const schemaArb: fc.Arbitrary<GeneratedSchema> = fc
  .record({
    syntax: fc.constantFrom("proto2" as const, "proto3" as const, "editions" as const),
    packageName: fc.constantFrom("", "shop", "shop.orders.v1"),
    messageCount: fc.integer({ min: 1, max: 5 }),
    enumSizes: fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 2 }),
  })
  .chain(({ syntax, packageName, messageCount, enumSizes }) =>
    fc.record({
      syntax: fc.constant(syntax),
      packageName: fc.constant(packageName),
      enumSizes: fc.constant(enumSizes),
      messages: fc.tuple(
        ...Array.from({ length: messageCount }, (_, index) =>
          fc
            .record({
              numbers: fc.uniqueArray(fc.integer({ min: 1, max: 60 }), { maxLength: 8 }),
              reserved: fc.uniqueArray(fc.integer({ min: 61, max: 80 }), { maxLength: 3 }),
              fields: fc.array(fieldArb(syntax, messageCount, enumSizes.length), { minLength: 8, maxLength: 8 }),
            })
            .map(({ numbers, reserved, fields }) => ({
              name: `M${index}`,
              reserved,
              fields: numbers.map((number, position) => ({ number, ...(fields[position] ?? fields[0]!) })),
            })),
        ),
      ),
      rpcs: fc.array(fc.tuple(fc.nat({ max: messageCount - 1 }), fc.nat({ max: messageCount - 1 }), fc.boolean(), fc.boolean()), { maxLength: 3 }),
    }),
  );

/** Renders a generated schema, one declaration per line, optionally padded with comments and blank lines. */
export function renderSchema(schema: GeneratedSchema, padding = ""): RenderedSchema {
  const lines: string[] = [];
  const messageLines = new Map<string, number>();
  const fieldTypes = new Map<string, { line: number; column: number }>();
  const push = (line: string) => {
    if (padding !== "") lines.push(padding);
    lines.push(line);
    return lines.length;
  };
  push(schema.syntax === "editions" ? 'edition = "2023";' : `syntax = "${schema.syntax}";`);
  if (schema.packageName !== "") push(`package ${schema.packageName};`);
  schema.enumSizes.forEach((size, index) => {
    const values = Array.from({ length: size }, (_, value) => `E${index}_V${value} = ${value};`).join(" ");
    push(`enum E${index} { ${values} }`);
  });
  for (const message of schema.messages) {
    messageLines.set(message.name, push(`message ${message.name} {`));
    if (message.reserved.length > 0) push(`  reserved ${message.reserved.join(", ")};`);
    for (const field of message.fields) {
      const label = field.label === "" ? "" : `${field.label} `;
      const line = push(`  ${label}${field.type} f${field.number} = ${field.number}${field.options};`);
      fieldTypes.set(`${message.name}.${field.number}`, { line, column: 3 + label.length });
    }
    push("}");
  }
  if (schema.rpcs.length > 0) {
    push("service Api {");
    schema.rpcs.forEach(([request, response, clientStreams, serverStreams], index) => {
      push(`  rpc Call${index}(${clientStreams ? "stream " : ""}M${request}) returns (${serverStreams ? "stream " : ""}M${response});`);
    });
    push("}");
  }
  return { text: `${lines.join("\n")}\n`, messageLines, fieldTypes };
}
