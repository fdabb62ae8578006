import fc from "fast-check";
import { isTwostepError } from "@twostep/core";
import { compareProtoFiles, SchemaSourceError, WIRE_RULES, WireRule } from "@twostep/check";
import { describe, expect, it, test } from "vitest";
import { renderSchema, schemaArb, type GeneratedField, type GeneratedSchema } from "../support/arbitraries.js";
import { located } from "../support/wire-check.js";

const compare = (previous: string, current: string) => compareProtoFiles({ "a.proto": previous }, { "a.proto": current });

// A type with another wire encoding than the field's, for every kind of type.
const incompatible = (type: string) => (type === "double" ? "float" : "double");

function withField(
  schema: GeneratedSchema,
  message: number,
  update: (fields: readonly GeneratedField[]) => readonly GeneratedField[],
  reserve?: number,
): GeneratedSchema {
  return {
    ...schema,
    messages: schema.messages.map((candidate, index) =>
      index === message
        ? { ...candidate, fields: update(candidate.fields), reserved: reserve === undefined ? candidate.reserved : [...candidate.reserved, reserve] }
        : candidate,
    ),
  };
}

// Picks a message that has fields, and one of its fields.
const pickArb = fc.tuple(schemaArb, fc.nat(), fc.nat()).filter(([schema]) => schema.messages.some((message) => message.fields.length > 0));
function pick([schema, messageSeed, fieldSeed]: [GeneratedSchema, number, number]) {
  const candidates = schema.messages.flatMap((message, index) => (message.fields.length > 0 ? [index] : []));
  const messageIndex = candidates[messageSeed % candidates.length] ?? 0;
  const message = schema.messages[messageIndex]!;
  const field = message.fields[fieldSeed % message.fields.length]!;
  return { schema, messageIndex, message, field };
}

describe("compareProtoFiles", () => {
  it("exports buf's fifteen WIRE rule ids", () => {
    expect(WIRE_RULES).toHaveLength(15);
    expect(new Set(Object.values(WireRule))).toEqual(new Set(WIRE_RULES));
  });

  test("finds nothing when a schema is compared with itself", () => {
    fc.assert(
      fc.property(schemaArb, (schema) => {
        const { text } = renderSchema(schema);
        expect(compare(text, text)).toEqual([]);
      }),
    );
  });

  test("finds nothing when only layout and comments changed", () => {
    fc.assert(
      fc.property(schemaArb, (schema) => {
        const plain = renderSchema(schema).text;
        const padded = renderSchema(schema, "  // a comment line\n").text;
        expect(compare(plain, padded)).toEqual([]);
        expect(compare(padded, plain)).toEqual([]);
      }),
    );
  });

  test("reports a field given an incompatible type at exactly that field's type", () => {
    fc.assert(
      fc.property(pickArb, (picked) => {
        const { schema, messageIndex, message, field } = pick(picked);
        const changed = withField(schema, messageIndex, (fields) =>
          fields.map((candidate) => (candidate === field ? { ...candidate, type: incompatible(candidate.type) } : candidate)),
        );
        const rendered = renderSchema(changed);
        const at = rendered.fieldTypes.get(`${message.name}.${field.number}`);
        expect(located(compare(renderSchema(schema).text, rendered.text))).toEqual([`FIELD_WIRE_COMPATIBLE_TYPE@${at?.line}:${at?.column}`]);
      }),
    );
  });

  test("reports a deleted field at its message unless its number is reserved", () => {
    fc.assert(
      fc.property(pickArb, (picked) => {
        const { schema, messageIndex, message, field } = pick(picked);
        const required = field.label === "required" || field.options.includes("LEGACY_REQUIRED");
        const deleted = renderSchema(withField(schema, messageIndex, (fields) => fields.filter((candidate) => candidate !== field)));
        const line = deleted.messageLines.get(message.name);
        const expected = [`FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED@${line}:1`, ...(required ? [`MESSAGE_SAME_REQUIRED_FIELDS@${line}:1`] : [])];
        const previous = renderSchema(schema).text;
        expect(located(compare(previous, deleted.text))).toEqual(expected);

        const reserved = renderSchema(withField(schema, messageIndex, (fields) => fields.filter((candidate) => candidate !== field), field.number));
        expect(located(compare(previous, reserved.text))).toEqual(
          expected.slice(1).map((entry) => entry.replace(`@${line}:`, `@${reserved.messageLines.get(message.name)}:`)),
        );
      }),
    );
  });

  test("never crashes on damaged source: it compares, or throws a twostep error with a line", () => {
    fc.assert(
      fc.property(schemaArb, fc.nat(), fc.nat({ max: 40 }), fc.string({ maxLength: 3 }), (schema, at, length, insert) => {
        const { text } = renderSchema(schema);
        const start = at % (text.length + 1);
        const damaged = text.slice(0, start) + insert + text.slice(start + length);
        try {
          expect(Array.isArray(compare(text, damaged))).toBe(true);
        } catch (error) {
          expect(isTwostepError(error)).toBe(true);
          if (error instanceof SchemaSourceError) {
            expect(error.line).toBeGreaterThanOrEqual(1);
            expect(error.line).toBeLessThanOrEqual(damaged.split("\n").length);
          }
        }
      }),
    );
  });

  it("checks 500 message types and finds the 50 changed fields (the time is printed, not asserted: a loaded machine is many times slower)", () => {
    const file = (changed: boolean) => {
      const lines = ['syntax = "proto3";', "package bench;"];
      for (let message = 0; message < 500; message += 1) {
        lines.push(`message Type${message} {`);
        for (let field = 1; field <= 10; field += 1) {
          const type = changed && field === 3 && message % 10 === 0 ? "string" : field % 2 === 0 ? "int64" : "int32";
          lines.push(`  ${type} field_${field} = ${field};`);
        }
        lines.push(`  Type${(message + 1) % 500} next = 11;`, "}");
      }
      return { "bench.proto": `${lines.join("\n")}\n` };
    };
    const previous = file(false);
    const current = file(true);
    const started = performance.now();
    const violations = compareProtoFiles(previous, current);
    console.log(`compareProtoFiles, 500 message types: ${Math.round(performance.now() - started)} ms`);
    expect(violations).toHaveLength(50);
  });
});
