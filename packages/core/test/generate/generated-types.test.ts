// The types `twostep generate` writes must tell the truth: every field of
// every decoded value has one of the kinds its generated type lists (and no
// field is missing from the type), and every form the generated input types
// allow is one the codec really encodes. Checked on the kitchen sink (proto2,
// proto3 and editions, every kind of field), with generated values.
import { readFileSync } from "node:fs";
import { loadProtocol } from "@twostep/core/node";
import { versionArbitrary } from "@twostep/testkit/arbitraries";
import fc from "fast-check";
import Long from "long";
import protobuf from "protobufjs";
import { describe, expect, test } from "vitest";
import { kitchenSinkManifestPath } from "../support/kitchen-sink.js";

const generated = readFileSync(new URL("../fixtures/kitchen-sink/generated/kitchen-sink-protocol.ts", import.meta.url), "utf8");
const { protocol, root } = loadProtocol(kitchenSinkManifestPath);

/** The generated interfaces by full message name, decoded and input, as field name -> type text. */
const decodedInterfaces = interfacesOf(/\/\*\* ([\w.]+), decoded\.[^\n]*\*\/\nexport interface (\w+) \{\n([\s\S]*?)\n\}/g);
const inputInterfaces = interfacesOf(/\/\*\* ([\w.]+), as encoding takes it[^\n]*\*\/\nexport interface (\w+) \{\n([\s\S]*?)\n\}/g);
const aliases = new Map([...generated.matchAll(/^export type (\w+) = ([^;]+);$/gm)].map(([, name = "", type = ""]) => [name, type] as const));
const interfaceByName = new Map([...decodedInterfaces.values(), ...inputInterfaces.values()].map((fields) => [fields.name, fields] as const));

interface GeneratedInterface {
  readonly name: string;
  readonly fields: ReadonlyMap<string, { readonly type: string; readonly optional: boolean }>;
}

function interfacesOf(pattern: RegExp): Map<string, GeneratedInterface> {
  const found = new Map<string, GeneratedInterface>();
  for (const [, fullName = "", name = "", body = ""] of generated.matchAll(pattern)) {
    const fields = new Map<string, { type: string; optional: boolean }>();
    for (const [, field = "", optional, type = ""] of body.matchAll(/^ {2}(?:readonly )?([\w$]+)(\?)?: (.+);$/gm)) {
      fields.set(field, { type, optional: optional === "?" });
    }
    found.set(fullName, { name, fields });
  }
  return found;
}

/** Splits a type at its top-level `|`. */
function alternatives(type: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let index = 0; index < type.length; index++) {
    const char = type[index];
    if (char === "(" || char === "{" || char === "[") depth++;
    if (char === ")" || char === "}" || char === "]") depth--;
    if (depth === 0 && type.startsWith(" | ", index)) {
      parts.push(type.slice(start, index));
      start = index + 3;
    }
  }
  return [...parts, type.slice(start)].map((part) => part.trim());
}

/** Why `value` is none of what `type` (generated text) allows, or undefined when it is one of them. */
function mismatch(value: unknown, type: string, path: string): string | undefined {
  const reasons = alternatives(type).map((alternative) => mismatchOne(value, alternative, path));
  return reasons.includes(undefined) ? undefined : reasons.join("; ");
}

function mismatchOne(value: unknown, type: string, path: string): string | undefined {
  const fail = `${path} is ${kindOf(value)}, not ${type}`;
  if (type.startsWith("(") && type.endsWith(")")) return mismatch(value, type.slice(1, -1), path);
  if (type.endsWith("[]") && type !== "readonly []") {
    if (!Array.isArray(value)) return fail;
    const element = type.replace(/^readonly /, "").slice(0, -2);
    return value.map((item, index) => mismatch(item, element, `${path}[${index}]`)).find((reason) => reason !== undefined);
  }
  const map = /^\{ (?:readonly )?\[key: string\]: (.+) \}$/.exec(type);
  if (map !== null) {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return fail;
    return Object.entries(value)
      .map(([key, item]) => mismatch(item, map[1] ?? "", `${path}[${JSON.stringify(key)}]`))
      .find((reason) => reason !== undefined);
  }
  if (/^-?\d+$/.test(type)) return value === Number(type) ? undefined : fail;
  if (/^"[^"]*"$/.test(type)) return value === JSON.parse(type) ? undefined : fail;
  switch (type) {
    case "string":
    case "number":
    case "boolean":
      return typeof value === type ? undefined : fail;
    case "null":
      return value === null ? undefined : fail;
    case "undefined":
      return value === undefined ? undefined : fail;
    case "Long":
      return Long.isLong(value) ? undefined : fail;
    case "Uint8Array":
      return value instanceof Uint8Array ? undefined : fail;
    case "readonly []":
      return Array.isArray(value) && value.length === 0 ? undefined : fail;
  }
  const alias = aliases.get(type);
  if (alias !== undefined) return mismatch(value, alias, path);
  const message = interfaceByName.get(type);
  if (message === undefined) throw new Error(`the test cannot read the generated type ${type} (at ${path})`);
  if (typeof value !== "object" || value === null) return fail;
  const undeclared = Object.keys(value).filter((key) => !message.fields.has(key));
  if (undeclared.length > 0) return `${path} has ${undeclared.join(", ")}, which ${type} does not declare`;
  for (const [field, { type: fieldType, optional }] of message.fields) {
    // Decoded messages read absent fields from their prototype, as application code does.
    const fieldValue = (value as Record<string, unknown>)[field];
    const reason = mismatch(fieldValue, optional ? `${fieldType} | undefined` : fieldType, `${path}.${field}`);
    if (reason !== undefined) return reason;
  }
  return undefined;
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Long.isLong(value)) return "a Long";
  if (value instanceof Uint8Array) return "a Uint8Array";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return typeof value === "object" ? "an object" : `${typeof value} ${JSON.stringify(value)}`;
}
describe("generated types tell the truth about decoded values", () => {
  test.each(protocol.types.map((type) => [type.name, type] as const))("%s: every field of every decoded value has a kind its type lists", (name, type) => {
    const declared = decodedInterfaces.get(name);
    expect(declared, `a decoded interface for ${name}`).toBeDefined();
    fc.assert(
      fc.property(versionArbitrary(type, 1), (value) => {
        const decoded = protocol.decode(type.encodeWire(value, 1)).wire;
        expect(mismatch(decoded, declared?.name ?? "", name)).toBeUndefined();
      }),
      { numRuns: 200 },
    );
    // Nothing on the wire: every field reads its absent value.
    expect(mismatch(protocol.decode(type.encodeWire(name === "sink2.Legacy" ? { id: "" } : {}, 1)).wire, declared?.name ?? "", name)).toBeUndefined();
  });

  test("64-bit integers come back as Long, never as number or string; absent messages and proto3 optional scalars as null; absent bytes as []", () => {
    const everything = decodedInterfaces.get("sink.Everything")!.fields;
    expect(everything.get("i64")?.type).toBe("Long");
    expect(everything.get("longs")?.type).toBe("Long[]");
    expect(everything.get("child")?.type).toBe("Sink_Everything | null");
    expect(everything.get("maybe")?.type).toBe("number | null");
    expect(everything.get("raw")?.type).toBe("Uint8Array | readonly []");
    const empty = protocol.decode(protocol.type("sink.Everything").encodeWire({}, 1)).wire as Record<string, unknown>;
    expect([Long.isLong(empty["i64"]), empty["child"], empty["maybe"], empty["raw"]]).toEqual([true, null, null, []]);
  });
});

describe("generated input types allow only what the codec encodes", () => {
  const everything = root.lookupType("sink.Everything");
  const roundTrip = (value: Record<string, unknown>) => everything.decode(everything.encode(value).finish()) as unknown as Record<string, unknown>;

  test("a 64-bit field takes a Long, a number or a decimal string, and decodes to the same Long", () => {
    expect(inputInterfaces.get("sink.Everything")?.fields.get("i64")?.type).toBe("Long | number | string | null | undefined");
    for (const form of [Long.fromString("-9007199254740993"), "-9007199254740993"]) {
      expect(String(roundTrip({ i64: form })["i64"])).toBe("-9007199254740993");
    }
    expect(String(roundTrip({ i64: 1234 })["i64"])).toBe("1234");
    expect(roundTrip({ longs: [1, "2", Long.fromInt(3)] })["longs"]).toEqual([Long.fromInt(1), Long.fromInt(2), Long.fromInt(3)]);
  });

  test("regression: a bigint is not in the input type, because protobufjs writes it as 0", () => {
    expect(inputInterfaces.get("sink.Everything")?.fields.get("i64")?.type).not.toContain("bigint");
    expect(String(roundTrip({ i64: 5n })["i64"])).toBe("0");
  });

  test("a bytes field takes a Uint8Array, an array of byte values or a base64 string", () => {
    expect(inputInterfaces.get("sink.Everything")?.fields.get("raw")?.type).toBe("Uint8Array | readonly number[] | string | null | undefined");
    for (const form of [Uint8Array.of(1, 2, 255), [1, 2, 255], Buffer.from([1, 2, 255]).toString("base64")]) {
      expect([...(roundTrip({ raw: form })["raw"] as Uint8Array)]).toEqual([1, 2, 255]);
    }
  });

  test("every field but a proto2 required one may be null, undefined or left out", () => {
    for (const [fullName, { fields }] of inputInterfaces) {
      const type = root.lookupType(fullName);
      for (const [field, { type: text, optional }] of fields) {
        if (field === "$unknowns") continue;
        const required = type.fields[field]?.required === true;
        expect(optional, `${fullName}.${field}`).toBe(!required);
        if (required) continue;
        expect(text, `${fullName}.${field}`).toMatch(/ \| null \| undefined$/);
        const base = fullName === "sink2.Legacy" ? { id: "x" } : {};
        expect(() => type.encode(type.fromObject({ ...base })).finish()).not.toThrow();
        expect(() => type.encode({ ...base, [field]: null }).finish(), `${fullName}.${field}: null`).not.toThrow();
        expect(() => type.encode({ ...base, [field]: undefined }).finish(), `${fullName}.${field}: undefined`).not.toThrow();
      }
    }
  });

  test("a decoded value is an input: decode, re-encode and decode again gives the same value", () => {
    const type = protocol.type("sink.Everything");
    fc.assert(
      fc.property(versionArbitrary(type, 1), (value) => {
        const decoded = protocol.decode(type.encodeWire(value, 1)).wire;
        expect(protocol.decode(type.encodeWire(decoded, 1)).wire).toEqual(decoded);
      }),
      { numRuns: 100 },
    );
  });

  test("the decoded interfaces name every field of their message, and only those", () => {
    for (const [fullName, { fields }] of decodedInterfaces) {
      const type = root.lookupType(fullName);
      const declared = [...fields.keys()].filter((field) => field !== "$unknowns" && !type.oneofs?.[field]);
      expect(declared, fullName).toEqual(type.fieldsArray.map((field) => field.name));
      expect(type instanceof protobuf.Type).toBe(true);
    }
  });
});
