import { compareJsonSchemas, JSON_SCHEMA_RULES, type JsonSchema } from "@twostep/check";
import { describe, expect, it } from "vitest";
import { z } from "zod";

const schema = (type: z.ZodType) => z.toJSONSchema(type) as JsonSchema;

/** `RULE property` of each change between two zod schemas' JSON Schemas. */
function changes(previous: z.ZodType, current: z.ZodType): string[] {
  return compareJsonSchemas(schema(previous), schema(current)).map((change) => `${change.rule} ${change.property}`);
}

const customer = z.looseObject({ customerId: z.string().min(1), name: z.string(), email: z.string() });

describe("compareJsonSchemas", () => {
  it("exports seven rule ids", () => {
    expect(JSON_SCHEMA_RULES).toEqual([
      "JSON_ADDITIONAL_PROPERTIES_TIGHTENED",
      "JSON_ENUM_VALUE_ADDED",
      "JSON_ENUM_VALUE_REMOVED",
      "JSON_FIELD_REMOVED",
      "JSON_FIELD_REQUIRED_ADDED",
      "JSON_FIELD_REQUIRED_REMOVED",
      "JSON_TYPE_CHANGED",
    ]);
  });

  it("finds nothing between a schema and itself, nor for bounds it does not check", () => {
    expect(changes(customer, customer)).toEqual([]);
    expect(changes(customer, customer.extend({ customerId: z.string().min(3).max(40) }))).toEqual([]);
  });

  it("JSON_FIELD_REQUIRED_ADDED: a new required property, or an optional one made required", () => {
    expect(changes(customer, customer.extend({ phone: z.string() }))).toEqual(["JSON_FIELD_REQUIRED_ADDED phone"]);
    const withNick = customer.extend({ nick: z.string().optional() });
    expect(changes(withNick, withNick.extend({ nick: z.string() }))).toEqual(["JSON_FIELD_REQUIRED_ADDED nick"]);
  });

  it("allows a new optional property, even where unknown properties are rejected", () => {
    expect(changes(customer, customer.extend({ nick: z.string().optional() }))).toEqual([]);
    const closed = z.object({ id: z.string() });
    expect(changes(closed, closed.extend({ nick: z.string().optional() }))).toEqual([]);
  });

  it("JSON_FIELD_REQUIRED_REMOVED: a required property removed or made optional", () => {
    expect(changes(customer, customer.omit({ email: true }))).toEqual(["JSON_FIELD_REQUIRED_REMOVED email"]);
    expect(changes(customer, customer.extend({ email: z.string().optional() }))).toEqual(["JSON_FIELD_REQUIRED_REMOVED email"]);
    expect(changes(customer.extend({ email: z.string().optional() }), customer)).toEqual(["JSON_FIELD_REQUIRED_ADDED email"]);
  });

  it("JSON_FIELD_REMOVED: an optional property removed where unknown properties are rejected; allowed where they pass", () => {
    const closed = z.object({ id: z.string(), nick: z.string().optional() });
    expect(changes(closed, closed.omit({ nick: true }))).toEqual(["JSON_FIELD_REMOVED nick"]);
    const open = z.looseObject({ id: z.string(), nick: z.string().optional() });
    expect(changes(open, open.omit({ nick: true }))).toEqual([]);
  });

  it("JSON_TYPE_CHANGED: narrowed, widened or replaced, at any depth", () => {
    expect(changes(customer, customer.extend({ name: z.number() }))).toEqual(["JSON_TYPE_CHANGED name"]);
    expect(changes(customer, customer.extend({ name: z.string().nullable() }))).toEqual(["JSON_TYPE_CHANGED name"]);
    expect(changes(customer, customer.extend({ name: z.string().nullable() }))).toHaveLength(1);
    const nested = (street: z.ZodType) => z.looseObject({ address: z.looseObject({ street }), tags: z.array(street) });
    expect(changes(nested(z.string()), nested(z.boolean()))).toEqual(["JSON_TYPE_CHANGED address.street", "JSON_TYPE_CHANGED tags[]"]);
    expect(changes(nested(z.int()), nested(z.number()))).toEqual(["JSON_TYPE_CHANGED address.street", "JSON_TYPE_CHANGED tags[]"]);
  });

  it("says which side a type change breaks", () => {
    const [widened] = compareJsonSchemas(schema(customer), schema(customer.extend({ name: z.string().nullable() })));
    expect(widened?.message).toBe('property "name" changed type from string to null or string: old readers reject values new writers may write');
    const [narrowed] = compareJsonSchemas(schema(customer.extend({ name: z.string().nullable() })), schema(customer));
    expect(narrowed?.message).toContain("new readers reject values old writers may write");
  });

  it("JSON_ENUM_VALUE_REMOVED and JSON_ENUM_VALUE_ADDED: enums, consts and unions of literals", () => {
    const status = (values: z.ZodType) => z.looseObject({ status: values });
    expect(changes(status(z.enum(["a", "b"])), status(z.enum(["a"])))).toEqual(["JSON_ENUM_VALUE_REMOVED status"]);
    expect(changes(status(z.enum(["a", "b"])), status(z.enum(["a", "b", "c"])))).toEqual(["JSON_ENUM_VALUE_ADDED status"]);
    expect(changes(status(z.enum(["a", "b"])), status(z.enum(["b", "c"])))).toEqual(["JSON_ENUM_VALUE_REMOVED status", "JSON_ENUM_VALUE_ADDED status"]);
    expect(changes(status(z.string()), status(z.literal("a")))).toEqual(["JSON_ENUM_VALUE_REMOVED status"]);
    expect(changes(status(z.enum(["a"])), status(z.string()))).toEqual(["JSON_ENUM_VALUE_ADDED status"]);
    expect(changes(status(z.union([z.literal("a"), z.literal("b")])), status(z.union([z.literal("b"), z.literal("a"), z.literal("c")])))).toEqual([
      "JSON_ENUM_VALUE_ADDED status",
    ]);
    expect(changes(status(z.enum(["a", "b"])), status(z.enum(["b", "a"])))).toEqual([]);
  });

  it("JSON_ADDITIONAL_PROPERTIES_TIGHTENED: unknown properties accepted before are rejected now; loosening is allowed", () => {
    const shape = { id: z.string() };
    expect(changes(z.looseObject(shape), z.object(shape))).toEqual(["JSON_ADDITIONAL_PROPERTIES_TIGHTENED (root)"]);
    expect(changes(z.looseObject(shape), z.looseObject(shape).catchall(z.number()))).toEqual(["JSON_ADDITIONAL_PROPERTIES_TIGHTENED (root)"]);
    expect(changes(z.object(shape), z.looseObject(shape))).toEqual([]);
    expect(changes(z.record(z.string(), z.string()), z.record(z.string(), z.number()))).toEqual(["JSON_TYPE_CHANGED *"]);
  });

  it("locates each change in the current schema", () => {
    const current = schema(customer.extend({ email: z.string().optional(), phone: z.string() }));
    expect(compareJsonSchemas(schema(customer), current).map((change) => change.at)).toEqual([
      ["properties", "phone"],
      ["properties", "email"],
    ]);
  });

  it("follows local $refs, and stops on recursive schemas", () => {
    const tree = (leaf: z.ZodType) => {
      const node: z.ZodType = z.object({
        value: leaf,
        get children() {
          return z.array(node);
        },
      });
      return node;
    };
    expect(changes(tree(z.string()), tree(z.string()))).toEqual([]);
    expect(changes(tree(z.string()), tree(z.number()))).toEqual(["JSON_TYPE_CHANGED value"]);
    const defs = (type: string): JsonSchema => ({ $defs: { Id: { type } }, type: "object", properties: { id: { $ref: "#/$defs/Id" } }, required: ["id"] });
    const [change] = compareJsonSchemas(defs("string"), defs("integer"));
    expect(change).toMatchObject({ rule: "JSON_TYPE_CHANGED", property: "id", at: ["$defs", "Id", "type"] });
  });

  it("treats boolean schemas as any value (true) and no value (false)", () => {
    expect(compareJsonSchemas(true, {})).toEqual([]);
    expect(compareJsonSchemas(true, false).map((change) => change.rule)).toEqual(["JSON_TYPE_CHANGED"]);
  });
});
