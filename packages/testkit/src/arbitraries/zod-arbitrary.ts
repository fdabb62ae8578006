import fc from "fast-check";
import { z } from "zod";
import { UnsupportedSchemaError } from "../testkit-errors.js";

/** Options of {@link zodArbitrary}. */
export interface ZodArbitraryOptions {
  /** Most elements of an unbounded array or record, keys added to a loose object, and characters of an unbounded string. Defaults to 5. */
  readonly maxLength?: number;
  /**
   * Whether objects that accept unknown keys (`z.looseObject`, `.catchall()`)
   * get some, as a newer writer would add them. Defaults to true.
   */
  readonly extraKeys?: boolean;
  /** Names that added keys never take: the fields of other versions, which migrations may write over. Defaults to none. */
  readonly reservedKeys?: readonly string[];
  /** What the schema belongs to, for error messages. Defaults to `zod schema`. */
  readonly subject?: string;
}

/**
 * Generates values that satisfy a zod 4 schema and survive a JSON round
 * trip, by walking the schema's definition: objects (strip, strict, loose,
 * catchall), strings (length bounds; formats with a pattern, such as email,
 * uuid, ipv4, iso dates, a regex without flags), numbers and integers with
 * bounds and `multipleOf`, booleans, null, enums, literals, arrays, tuples,
 * records, unions, optional, nullable, default, readonly, unknown and any.
 * Throws {@link UnsupportedSchemaError} naming the construct and its path for
 * what it cannot generate: transforms and pipes, refinements, `z.lazy`,
 * intersections, and types JSON cannot carry (bigint, date, map, set, ...).
 */
export function zodArbitrary(schema: z.core.$ZodType, options: ZodArbitraryOptions = {}): fc.Arbitrary<unknown> {
  const context: Context = {
    subject: options.subject ?? "zod schema",
    maxLength: options.maxLength ?? 5,
    extraKeys: options.extraKeys ?? true,
    reserved: new Set(options.reservedKeys ?? []),
    ancestors: new Set(),
  };
  return walk(schema, "$", context);
}

interface Context {
  readonly subject: string;
  readonly maxLength: number;
  readonly extraKeys: boolean;
  readonly reserved: ReadonlySet<string>;
  /** The schemas being walked, outermost first: meeting one again means recursion. */
  readonly ancestors: Set<z.core.$ZodType>;
}

type Def = z.core.$ZodTypeDef & Record<string, unknown>;
type CheckDef = { readonly check: string } & Record<string, unknown>;

function defOf(schema: z.core.$ZodType): Def {
  return schema._zod.def as Def;
}

function walk(schema: z.core.$ZodType, path: string, context: Context): fc.Arbitrary<unknown> {
  if (context.ancestors.has(schema)) throw new UnsupportedSchemaError(context.subject, path, "a recursive schema");
  context.ancestors.add(schema);
  try {
    return walkDefinition(schema, path, context);
  } finally {
    context.ancestors.delete(schema);
  }
}

function walkDefinition(schema: z.core.$ZodType, path: string, context: Context): fc.Arbitrary<unknown> {
  const def = defOf(schema);
  const refuse = (construct: string) => new UnsupportedSchemaError(context.subject, path, construct);
  switch (def.type) {
    case "string":
      return stringArbitrary(schema, path, context);
    case "number":
      return numberArbitrary(schema, path, context);
    case "boolean":
      return plainChecks(def, refuse, fc.boolean());
    case "null":
      return fc.constant(null);
    case "enum":
    case "literal":
      return constants(schema, refuse);
    case "unknown":
    case "any":
      return fc.jsonValue({ maxDepth: 2 }).map(jsonCopy);
    case "array": {
      const { min, max } = lengthBounds(checksOf(def), refuse);
      return fc.array(walk(def["element"] as z.core.$ZodType, `${path}[]`, context), { minLength: min, maxLength: max ?? Math.max(min, context.maxLength) });
    }
    case "tuple": {
      const items = (def["items"] as z.core.$ZodType[]).map((item, index) => walk(item, `${path}[${index}]`, context));
      const rest = def["rest"] as z.core.$ZodType | null;
      if (rest === null) return fc.tuple(...items);
      const tail = fc.array(walk(rest, `${path}[...]`, context), { maxLength: context.maxLength });
      return fc.tuple(fc.tuple(...items), tail).map(([head, more]) => [...head, ...more]);
    }
    case "object":
      return objectArbitrary(def, path, context);
    case "record":
      return recordArbitrary(def, path, context, refuse);
    case "union":
      return fc.oneof(...(def["options"] as z.core.$ZodType[]).map((option, index) => walk(option, `${path}|${index}`, context)));
    case "nullable":
      return fc.option(walk(def["innerType"] as z.core.$ZodType, path, context), { nil: null });
    // Outside an object an absent value has no JSON form: generate the inner type.
    case "optional":
    case "nonoptional":
    case "default":
    case "prefault":
    case "catch":
    case "readonly":
      return walk(def["innerType"] as z.core.$ZodType, path, context);
    case "lazy":
      throw refuse("z.lazy (a recursive schema)");
    case "pipe":
    case "transform":
      throw refuse(`${def.type} (values are generated for a schema's input and output alike, so it must have no transform)`);
    case "bigint":
    case "date":
    case "symbol":
    case "undefined":
    case "void":
    case "nan":
    case "map":
    case "set":
    case "file":
    case "promise":
    case "function":
      throw refuse(`z.${def.type}() (JSON cannot carry it)`);
    default:
      throw refuse(`z.${def.type}()`);
  }
}

/** The schema's own check, when it is one (`z.email()`, `z.int()`), and the checks added to it. */
function checksOf(def: Def): CheckDef[] {
  const own = typeof def["check"] === "string" ? [def as unknown as CheckDef] : [];
  const added = (def.checks ?? []).map((check) => check._zod.def as unknown as CheckDef);
  return [...own, ...added];
}

function plainChecks<T>(def: Def, refuse: (construct: string) => Error, arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T> {
  const [check] = checksOf(def);
  if (check !== undefined) throw refuse(checkName(check));
  return arbitrary;
}

function checkName(check: CheckDef): string {
  if (check.check === "custom") return "a refinement (.refine, .superRefine, .check)";
  if (check.check === "overwrite") return "an overwrite (.trim, .toLowerCase, ...: values would change on parse)";
  return `the check ${JSON.stringify(check.check)}`;
}

/** The length bounds the checks set; `max` is undefined when none is set. */
function lengthBounds(checks: readonly CheckDef[], refuse: (construct: string) => Error): { min: number; max: number | undefined } {
  let min = 0;
  let max: number | undefined;
  for (const check of checks) {
    switch (check.check) {
      case "min_length":
        min = Math.max(min, check["minimum"] as number);
        break;
      case "max_length":
        max = Math.min(max ?? Infinity, check["maximum"] as number);
        break;
      case "length_equals":
        min = check["length"] as number;
        max = check["length"] as number;
        break;
      default:
        throw refuse(checkName(check));
    }
  }
  return { min, max };
}

function constants(schema: z.core.$ZodType, refuse: (construct: string) => Error): fc.Arbitrary<unknown> {
  const values = [...(schema._zod.values ?? [])];
  for (const value of values) {
    if (value === undefined || typeof value === "bigint" || typeof value === "symbol") throw refuse(`the literal ${String(value)} (JSON cannot carry it)`);
  }
  if (values.length === 0) throw refuse("an enum without values");
  return fc.constantFrom(...values);
}

/** A character: mostly printable ASCII, some of the rest of the BMP, a few astral ones; never a lone surrogate, which UTF-8 cannot carry. */
const character = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 0xd7ff }).map((code) => String.fromCharCode(code)) },
  { weight: 1, arbitrary: fc.integer({ min: 0xe000, max: 0xffff }).map((code) => String.fromCharCode(code)) },
  { weight: 1, arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }).map((code) => String.fromCodePoint(code)) },
);

/** Strings of `min` to `max` UTF-16 code units, as zod counts length. */
function text(min: number, max: number): fc.Arbitrary<string> {
  return fc.string({ unit: character, minLength: min, maxLength: max }).filter((value) => value.length <= max);
}

const UUID_VERSIONS: Readonly<Record<string, 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8>> = { v1: 1, v2: 2, v3: 3, v4: 4, v5: 5, v6: 6, v7: 7, v8: 8 };

function stringArbitrary(schema: z.core.$ZodType, path: string, context: Context): fc.Arbitrary<string> {
  const def = defOf(schema);
  const refuse = (construct: string) => new UnsupportedSchemaError(context.subject, path, construct);
  const checks = checksOf(def);
  const formats = checks.filter((check) => check.check === "string_format");
  const { min, max } = lengthBounds(
    checks.filter((check) => check.check !== "string_format"),
    refuse,
  );
  const [first] = formats;
  if (first === undefined) return text(min, max ?? Math.max(min, context.maxLength));
  // Short strings from the pattern when a bound asks for them, so that the filter below keeps most.
  const base = formatArbitrary(first, refuse, context.maxLength, max !== undefined && max < 32);
  // Other formats and length bounds are met by filtering, with the schema itself as the judge.
  return base.filter((value) => z.safeParse(schema, value).success);
}

function formatArbitrary(format: CheckDef, refuse: (construct: string) => Error, maxLength: number, short: boolean): fc.Arbitrary<string> {
  const name = String(format["format"]);
  switch (name) {
    case "uuid":
    case "guid": {
      const version = UUID_VERSIONS[String(format["version"])];
      if (name === "uuid") return version === undefined ? fc.uuid() : fc.uuid({ version });
      break;
    }
    case "starts_with":
      return text(0, maxLength).map((rest) => `${String(format["prefix"])}${rest}`);
    case "ends_with":
      return text(0, maxLength).map((rest) => `${rest}${String(format["suffix"])}`);
    case "includes":
      return fc.tuple(text(0, maxLength), text(0, maxLength)).map(([before, after]) => `${before}${String(format["includes"])}${after}`);
  }
  const pattern = format["pattern"];
  if (!(pattern instanceof RegExp)) throw refuse(`string format ${JSON.stringify(name)} (it has no pattern to generate from)`);
  try {
    return fc.stringMatching(pattern, short ? { size: "xsmall" } : {});
  } catch (error) {
    throw refuse(`string format ${JSON.stringify(name)} with pattern ${String(pattern)} (${error instanceof Error ? error.message : String(error)})`);
  }
}

const FLOAT32_MAX = 3.4028234663852886e38;

/** The ranges of zod's number formats; the integer ones also make values whole. */
const FORMAT_RANGES: Readonly<Record<string, { readonly min: number; readonly max: number; readonly integer: boolean }>> = {
  safeint: { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER, integer: true },
  int32: { min: -(2 ** 31), max: 2 ** 31 - 1, integer: true },
  uint32: { min: 0, max: 2 ** 32 - 1, integer: true },
  float32: { min: -FLOAT32_MAX, max: FLOAT32_MAX, integer: false },
  float64: { min: -Number.MAX_VALUE, max: Number.MAX_VALUE, integer: false },
};

function numberArbitrary(schema: z.core.$ZodType, path: string, context: Context): fc.Arbitrary<number> {
  const refuse = (construct: string) => new UnsupportedSchemaError(context.subject, path, construct);
  let low = -Number.MAX_VALUE;
  let high = Number.MAX_VALUE;
  let lowExcluded = false;
  let highExcluded = false;
  let integer = false;
  let step: number | undefined;
  for (const check of checksOf(defOf(schema))) {
    const value = check["value"] as number;
    switch (check.check) {
      case "greater_than":
        if (value > low || (value === low && !check["inclusive"])) [low, lowExcluded] = [value, !check["inclusive"]];
        break;
      case "less_than":
        if (value < high || (value === high && !check["inclusive"])) [high, highExcluded] = [value, !check["inclusive"]];
        break;
      case "multiple_of":
        step = value;
        break;
      case "number_format": {
        const range = FORMAT_RANGES[String(check["format"])];
        if (range === undefined) throw refuse(`number format ${JSON.stringify(check["format"])}`);
        [low, high, integer] = [Math.max(low, range.min), Math.min(high, range.max), integer || range.integer];
        break;
      }
      default:
        throw refuse(checkName(check));
    }
  }
  if (integer || step !== undefined) {
    // Whole multiples of the step (1 for integers) inside the bounds and the safe integers.
    const unit = step ?? 1;
    const first = Math.max(Math.ceil(low / unit) + (lowExcluded && Number.isInteger(low / unit) ? 1 : 0), Math.ceil(Number.MIN_SAFE_INTEGER / unit));
    const last = Math.min(Math.floor(high / unit) - (highExcluded && Number.isInteger(high / unit) ? 1 : 0), Math.floor(Number.MAX_SAFE_INTEGER / unit));
    if (first > last) throw refuse(`number bounds that admit no ${integer ? "integer" : `multiple of ${unit}`}`);
    const multiples = fc.bigInt({ min: BigInt(first), max: BigInt(last) }).map((factor) => normalZero(Number(factor) * unit));
    // A fractional step multiplies inexactly: keep what zod accepts.
    return Number.isInteger(unit) ? multiples : multiples.filter((value) => z.safeParse(schema, value).success);
  }
  return fc.double({ min: low, max: high, minExcluded: lowExcluded, maxExcluded: highExcluded, noNaN: true, noDefaultInfinity: true }).map(normalZero);
}

/** JSON writes -0 as 0. */
function normalZero(value: number): number {
  return value === 0 ? 0 : value;
}

function objectArbitrary(def: Def, path: string, context: Context): fc.Arbitrary<Record<string, unknown>> {
  const shape = def["shape"] as Record<string, z.core.$ZodType>;
  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  const required: string[] = [];
  for (const [key, field] of Object.entries(shape)) {
    const optional = defOf(field).type === "optional";
    fields[key] = walk(optional ? (defOf(field)["innerType"] as z.core.$ZodType) : field, `${path}.${key}`, context);
    if (!optional) required.push(key);
  }
  const record = fc.record(fields, { requiredKeys: required });
  const catchall = def["catchall"] as z.core.$ZodType | undefined;
  if (catchall === undefined || defOf(catchall).type === "never" || !context.extraKeys) return record;
  const known = new Set([...Object.keys(shape), ...context.reserved, "__proto__"]);
  const key = fc.string({ minLength: 1, maxLength: 8 }).filter((name) => !known.has(name));
  const extra = fc.dictionary(key, walk(catchall, `${path}.*`, context), { maxKeys: context.maxLength, noNullPrototype: true });
  return fc.tuple(record, extra).map(([named, added]) => ({ ...added, ...named }));
}

function recordArbitrary(def: Def, path: string, context: Context, refuse: (construct: string) => Error): fc.Arbitrary<Record<string, unknown>> {
  const keyType = def["keyType"] as z.core.$ZodType;
  const value = walk(def["valueType"] as z.core.$ZodType, `${path}{}`, context);
  const keyKind = defOf(keyType).type;
  if (keyKind === "enum" || keyKind === "literal") {
    // A record over an enum has every key (z.partialRecord: any of them).
    const keys = [...(keyType._zod.values ?? [])].map(String);
    return fc.record(Object.fromEntries(keys.map((key) => [key, value])), { requiredKeys: def["partial"] === true ? [] : keys });
  }
  if (keyKind !== "string") throw refuse(`a record keyed by z.${keyKind}()`);
  // "__proto__" would set the prototype of the object zod builds, not a key.
  const key = stringArbitrary(keyType, `${path}{key}`, context).filter((name) => name !== "__proto__");
  return fc.dictionary(key, value, { maxKeys: context.maxLength, noNullPrototype: true });
}

function jsonCopy(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}
