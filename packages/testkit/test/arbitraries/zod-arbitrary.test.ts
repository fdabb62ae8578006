import { isTwostepError } from "@twostep/core";
import { TestkitErrorCode, UnsupportedSchemaError, zodArbitrary, type ZodArbitraryOptions } from "@twostep/testkit";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { z } from "zod";

/** 300 values of `schema`, each checked to satisfy it and to survive a JSON round trip unchanged. */
function valuesOf(schema: z.ZodType, options: ZodArbitraryOptions = {}): unknown[] {
  const values = fc.sample(zodArbitrary(schema, options), { seed: 42, numRuns: 300 });
  for (const value of values) {
    const parsed = z.safeParse(schema, value);
    expect(parsed.success, `${JSON.stringify(value)}: ${parsed.error?.message}`).toBe(true);
    expect(JSON.parse(JSON.stringify(value))).toEqual(value);
  }
  return values;
}

const keysOf = (value: unknown) => Object.keys(value as object).sort();

describe("zodArbitrary covers", () => {
  test("strict objects: never a key the shape lacks; optional keys present and absent", () => {
    const values = valuesOf(z.strictObject({ a: z.string(), b: z.number().optional() }));
    expect(new Set(values.map((value) => keysOf(value).join()))).toEqual(new Set(["a", "a,b"]));
  });

  test("objects that strip unknown keys: none generated, since the output would differ", () => {
    const values = valuesOf(z.object({ a: z.boolean() }));
    expect(values.every((value) => keysOf(value).join() === "a")).toBe(true);
  });

  test("loose objects: added keys with JSON values, never a reserved name", () => {
    const values = valuesOf(z.looseObject({ a: z.boolean() }), { reservedKeys: ["b", "c"] });
    expect(values.some((value) => keysOf(value).length > 1)).toBe(true);
    expect(values.some((value) => keysOf(value).includes("b") || keysOf(value).includes("c"))).toBe(false);
    expect(valuesOf(z.looseObject({ a: z.boolean() }), { extraKeys: false }).every((value) => keysOf(value).join() === "a")).toBe(true);
  });

  test("catchalls: added keys of the catchall's type", () => {
    const values = valuesOf(z.object({ a: z.string() }).catchall(z.int()));
    const added = values.flatMap((value) =>
      Object.entries(value as object)
        .filter(([key]) => key !== "a")
        .map(([, inner]) => inner as unknown),
    );
    expect(added.length).toBeGreaterThan(0);
    expect(added.every((inner) => Number.isInteger(inner))).toBe(true);
  });

  test("strings: length bounds in UTF-16 code units, both ends reached", () => {
    const lengths = new Set(valuesOf(z.string().min(2).max(4)).map((value) => (value as string).length));
    expect(lengths).toEqual(new Set([2, 3, 4]));
    expect(new Set(valuesOf(z.string().length(3)).map((value) => (value as string).length))).toEqual(new Set([3]));
  });

  test.each([
    ["email", z.email()],
    ["uuid", z.uuid()],
    ["uuid v4", z.uuidv4()],
    ["guid", z.guid()],
    ["a regex", z.string().regex(/^[a-c]{2,4}-\d$/)],
    ["starts with", z.string().startsWith("ab")],
    ["ends with", z.string().endsWith(".json")],
    ["includes", z.string().includes("@")],
    ["ipv4", z.ipv4()],
    ["an iso date", z.iso.date()],
    ["a format and a length bound", z.email().max(20)],
  ])("strings of a format: %s", (_, schema) => {
    expect(new Set(valuesOf(schema)).size).toBeGreaterThan(100);
  });

  test("numbers: bounds, exclusive or not, and no -0", () => {
    const values = valuesOf(z.number().gt(0).lte(10)) as number[];
    expect(values.every((value) => value > 0 && value <= 10)).toBe(true);
    expect(valuesOf(z.number()).some((value) => Object.is(value, -0))).toBe(false);
  });

  test("integers: bounds reached, exclusive bounds kept out, formats kept in range", () => {
    expect(new Set(valuesOf(z.int().min(-2).max(2)))).toEqual(new Set([-2, -1, 0, 1, 2]));
    expect(new Set(valuesOf(z.int().gt(0).lt(4)))).toEqual(new Set([1, 2, 3]));
    expect((valuesOf(z.uint32()) as number[]).every((value) => value >= 0 && value <= 2 ** 32 - 1)).toBe(true);
    expect((valuesOf(z.int32()) as number[]).some((value) => Math.abs(value) > 2 ** 16)).toBe(true);
  });

  test("multiples: of a whole step and of a fraction", () => {
    expect((valuesOf(z.int().multipleOf(5)) as number[]).every((value) => value % 5 === 0)).toBe(true);
    expect(new Set(valuesOf(z.number().multipleOf(0.5).min(-1).max(1)))).toEqual(new Set([-1, -0.5, 0, 0.5, 1]));
  });

  test("booleans, null, enums, native enums and literals: every value reached", () => {
    expect(new Set(valuesOf(z.boolean()))).toEqual(new Set([true, false]));
    expect(new Set(valuesOf(z.null()))).toEqual(new Set([null]));
    expect(new Set(valuesOf(z.enum(["a", "b", "c"])))).toEqual(new Set(["a", "b", "c"]));
    expect(new Set(valuesOf(z.enum({ A: 1, B: 2 })))).toEqual(new Set([1, 2]));
    expect(new Set(valuesOf(z.literal(["x", 3, null])))).toEqual(new Set(["x", 3, null]));
  });

  test("arrays with length bounds, and tuples with a rest", () => {
    expect(new Set(valuesOf(z.array(z.string()).min(1).max(3)).map((value) => (value as unknown[]).length))).toEqual(new Set([1, 2, 3]));
    const tuples = valuesOf(z.tuple([z.string(), z.int()]).rest(z.boolean())) as unknown[][];
    expect(tuples.some((tuple) => tuple.length > 2)).toBe(true);
  });

  test("nullable and optional, defaults and readonly", () => {
    expect(valuesOf(z.string().nullable()).some((value) => value === null)).toBe(true);
    expect(valuesOf(z.object({ a: z.string().optional() })).some((value) => keysOf(value).length === 0)).toBe(true);
    // A default would fill an absent key on parse: the key is always generated.
    expect(valuesOf(z.object({ a: z.string().default("x") })).every((value) => keysOf(value).join() === "a")).toBe(true);
    valuesOf(z.object({ a: z.int() }).readonly());
  });

  test("unions and discriminated unions: every option reached", () => {
    expect(new Set(valuesOf(z.union([z.string(), z.int()])).map((value) => typeof value))).toEqual(new Set(["string", "number"]));
    const shapes = valuesOf(z.discriminatedUnion("kind", [z.object({ kind: z.literal("a"), a: z.int() }), z.object({ kind: z.literal("b"), b: z.string() })]));
    expect(new Set(shapes.map((value) => (value as { kind: string }).kind))).toEqual(new Set(["a", "b"]));
  });

  test("records: by string (with its checks), by enum (every key), partial by enum", () => {
    const byString = valuesOf(z.record(z.string().min(2), z.int()));
    expect(byString.flatMap(keysOf).every((key) => key.length >= 2)).toBe(true);
    expect(valuesOf(z.record(z.enum(["a", "b"]), z.int())).every((value) => keysOf(value).join() === "a,b")).toBe(true);
    expect(new Set(valuesOf(z.partialRecord(z.enum(["a", "b"]), z.int())).map((value) => keysOf(value).join()))).toEqual(new Set(["", "a", "b", "a,b"]));
  });

  test("unknown and any: JSON values", () => {
    const values = [...valuesOf(z.unknown()), ...valuesOf(z.any())];
    expect(new Set(values.map((value) => (value === null ? "null" : Array.isArray(value) ? "array" : typeof value))).size).toBeGreaterThan(4);
  });
});

describe("zodArbitrary refuses, with a typed error naming the construct and where it is", () => {
  const recursive: z.ZodType = z.object({
    get child() {
      return recursive.optional();
    },
  });

  test.each([
    ["a transform", z.object({ at: z.string().transform((text) => text.length) }), "$.at", /pipe/],
    ["a pipe", z.string().pipe(z.email()), "$", /pipe/],
    ["a refinement", z.array(z.string().refine((text) => text !== "")), "$[]", /refinement/],
    ["an overwrite", z.string().trim(), "$", /overwrite/],
    ["z.lazy", z.lazy(() => z.string()), "$", /z\.lazy/],
    ["a recursive shape", recursive, "$.child", /recursive schema/],
    ["a bigint", z.object({ items: z.array(z.object({ price: z.bigint() })) }), "$.items[].price", /z\.bigint\(\) \(JSON cannot carry it\)/],
    ["a date", z.date(), "$", /z\.date\(\)/],
    ["a map", z.map(z.string(), z.string()), "$", /z\.map\(\)/],
    ["an intersection", z.intersection(z.object({ a: z.string() }), z.object({ b: z.string() })), "$", /z\.intersection\(\)/],
    ["a format with no pattern", z.url(), "$", /string format "url"/],
    ["a regex with flags", z.string().regex(/^a+$/i), "$", /pattern/],
    ["a record keyed by numbers", z.record(z.number(), z.string()), "$", /record keyed by z\.number\(\)/],
    ["the undefined literal", z.literal(undefined), "$", /literal undefined/],
  ])("%s", (_, schema, path, construct) => {
    let thrown: unknown;
    try {
      zodArbitrary(schema as z.ZodType, { subject: "probe.Type v1" });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UnsupportedSchemaError);
    expect(isTwostepError(thrown, TestkitErrorCode.UnsupportedSchema)).toBe(true);
    const error = thrown as UnsupportedSchemaError;
    expect(error.path).toBe(path);
    expect(error.subject).toBe("probe.Type v1");
    expect(error.construct).toMatch(construct);
    expect(error.message).toMatch(/^cannot generate values of probe\.Type v1: .* is not supported; remove it from the schema, or pass your own arbitrary/);
  });
});
