import { JsonSchemaRule } from "../violation/index.js";

/** One incompatible change between two JSON Schemas of the same version. */
export interface JsonSchemaChange {
  readonly rule: JsonSchemaRule;
  /** Where the change shows in the current schema document (a path of keys), to locate it. */
  readonly at: readonly (string | number)[];
  /** The place in the documents, for people: `(root)`, `customerId`, `address.street`, `emails[]`. */
  readonly property: string;
  /** What is wrong. */
  readonly message: string;
  /** What to do next. */
  readonly fix: string;
}

type Path = readonly (string | number)[];

/** A JSON Schema document or subschema: an object, or `true` (anything) or `false` (nothing). */
export type JsonSchema = boolean | { readonly [key: string]: unknown };
type Schema = JsonSchema;

/**
 * Compares two JSON Schemas of one shipped version (as `z.toJSONSchema`
 * writes them) and returns the changes that break old readers or old
 * writers: a change passes only when every document valid under `previous`
 * stays valid under `current`, and every document valid under `current` is
 * valid under `previous` as far as the properties `previous` declares go
 * (so adding an optional property passes). The subset checked, recursively
 * through `properties`, `items`, `prefixItems`, `additionalProperties`,
 * same-length `anyOf`/`oneOf` and local `$ref`s:
 *
 * - the JSON types of a value (`type`, else implied by `const`, `enum` or
 *   the branches of `anyOf`/`oneOf`): JSON_TYPE_CHANGED;
 * - `required`: JSON_FIELD_REQUIRED_ADDED, JSON_FIELD_REQUIRED_REMOVED;
 * - `enum` and `const`: JSON_ENUM_VALUE_REMOVED, JSON_ENUM_VALUE_ADDED;
 * - `additionalProperties`: JSON_ADDITIONAL_PROPERTIES_TIGHTENED, and
 *   JSON_FIELD_REMOVED for a property dropped from a schema that rejects
 *   unknown ones.
 *
 * Not checked: string, number and array bounds (`minLength`, `pattern`,
 * `format`, `minimum`, `minItems`...), `patternProperties`, `not`, `if`,
 * and remote `$ref`s.
 */
export function compareJsonSchemas(previous: Schema, current: Schema): JsonSchemaChange[] {
  const comparer = new SchemaComparer(previous, current);
  comparer.compare(previous, current, [], [], "");
  return comparer.changes;
}

class SchemaComparer {
  readonly changes: JsonSchemaChange[] = [];
  private readonly visited = new Set<string>();

  constructor(
    private readonly previousRoot: Schema,
    private readonly currentRoot: Schema,
  ) {}

  compare(previous: Schema, current: Schema, previousAt: Path, currentAt: Path, property: string): void {
    const before = resolve(this.previousRoot, previous, previousAt);
    const after = resolve(this.currentRoot, current, currentAt);
    // A recursive schema (through $ref) is compared once per pair of places.
    const visit = `${JSON.stringify(before.at)} ${JSON.stringify(after.at)}`;
    if (this.visited.has(visit)) return;
    this.visited.add(visit);
    const [old, now, at] = [before.schema, after.schema, after.at];
    if (!this.compareTypes(old, now, at, property)) return;
    this.compareValues(old, now, at, property);
    if (typeof old === "boolean" || typeof now === "boolean") return;
    this.compareObjects(old, now, before.at, at, property);
    this.compareArrays(old, now, before.at, at, property);
    // Unions of literals were compared as values above; other unions branch by branch.
    if (valuesOf(old) !== undefined && valuesOf(now) !== undefined) return;
    for (const keyword of ["anyOf", "oneOf"] as const) {
      const olds = old[keyword];
      const nows = now[keyword];
      if (!Array.isArray(olds) || !Array.isArray(nows) || olds.length !== nows.length) continue;
      olds.forEach((branch: Schema, index) => {
        this.compare(branch, nows[index] as Schema, [...before.at, keyword, index], [...at, keyword, index], property);
      });
    }
  }

  // False when the types differ: what lies below would only repeat it.
  private compareTypes(old: Schema, now: Schema, at: Path, property: string): boolean {
    const before = typesOf(this.previousRoot, old);
    const after = typesOf(this.currentRoot, now);
    if (sameSet(before, after)) return true;
    const narrowed = before === undefined || (after !== undefined && [...after].every((type) => before.has(type)));
    const widened = after === undefined || (before !== undefined && [...before].every((type) => after.has(type)));
    const consequence = narrowed
      ? "new readers reject values old writers may write"
      : widened
        ? "old readers reject values new writers may write"
        : "old and new builds reject each other's values";
    this.report(
      JsonSchemaRule.TypeChanged,
      [...at, "type"],
      property,
      `${describe(property)} changed type from ${describeTypes(before)} to ${describeTypes(after)}: ${consequence}`,
      `Keep the type of ${describe(property)} as the base has it; a new type belongs in a new version, with a migration.`,
    );
    return false;
  }

  private compareValues(old: Schema, now: Schema, at: Path, property: string): void {
    const before = valuesOf(old);
    const after = valuesOf(now);
    if (before === undefined && after === undefined) return;
    const where = [...at, typeof now === "object" && "const" in now ? "const" : "enum"];
    const subject = describe(property);
    if (before === undefined || after === undefined) {
      const shown = [...(before ?? after ?? [])].join(", ");
      if (before === undefined) {
        this.report(
          JsonSchemaRule.EnumValueRemoved,
          where,
          property,
          `${subject} now allows only ${shown}: new readers reject other values old writers may write`,
          `Keep ${subject} open as the base has it; restrict it in a new version.`,
        );
      } else {
        this.report(
          JsonSchemaRule.EnumValueAdded,
          where,
          property,
          `${subject} no longer restricts its values to ${shown}: old readers reject others that new writers may write`,
          `Keep the values of ${subject} as the base has them; widen them in a new version.`,
        );
      }
      return;
    }
    const removed = [...before].filter((value) => !after.has(value));
    const added = [...after].filter((value) => !before.has(value));
    if (removed.length > 0) {
      this.report(
        JsonSchemaRule.EnumValueRemoved,
        where,
        property,
        `${subject} no longer allows ${removed.join(", ")}: new readers reject ${removed.length === 1 ? "it" : "them"} when old writers write ${removed.length === 1 ? "it" : "them"}`,
        `Keep accepting ${removed.join(", ")} here; stop writing ${removed.length === 1 ? "it" : "them"} in a new version instead.`,
      );
    }
    if (added.length > 0) {
      this.report(
        JsonSchemaRule.EnumValueAdded,
        where,
        property,
        `${subject} now also allows ${added.join(", ")}: old readers reject ${added.length === 1 ? "it" : "them"} when new writers write ${added.length === 1 ? "it" : "them"}`,
        `Add ${added.join(", ")} in a new version, whose downgrade maps ${added.length === 1 ? "it" : "them"} to values old readers know.`,
      );
    }
  }

  private compareObjects(old: SchemaObject, now: SchemaObject, previousAt: Path, at: Path, property: string): void {
    const oldProperties = propertiesOf(old);
    const newProperties = propertiesOf(now);
    const oldRequired = requiredOf(old);
    const newRequired = requiredOf(now);
    const where = (name: string): Path => (Object.hasOwn(newProperties, name) ? [...at, "properties", name] : [...at, "required"]);
    for (const name of newRequired) {
      if (oldRequired.has(name)) continue;
      const child = join(property, name);
      const was = Object.hasOwn(oldProperties, name) ? "it was optional" : "it is new";
      this.report(
        JsonSchemaRule.FieldRequiredAdded,
        where(name),
        child,
        `${describe(child)} is required now (${was}): documents from old writers may lack it`,
        `Keep ${describe(child)} optional here; to require it, add a new version whose upgrade fills it in.`,
      );
    }
    for (const name of oldRequired) {
      if (newRequired.has(name)) continue;
      const child = join(property, name);
      const now = Object.hasOwn(newProperties, name) ? "optional now" : "removed";
      this.report(
        JsonSchemaRule.FieldRequiredRemoved,
        where(name),
        child,
        `${describe(child)} is ${now}, but old readers require it: documents from new writers may lack it`,
        `Keep ${describe(child)} required here, so writers keep sending it; to drop it, add a new version whose downgrade fills it in.`,
      );
    }
    const oldExtra = extraOf(old);
    const newExtra = extraOf(now);
    if (oldExtra.kind !== "closed" && newExtra.kind !== "open" && !(oldExtra.kind === "schema" && newExtra.kind === "schema")) {
      this.report(
        JsonSchemaRule.AdditionalPropertiesTightened,
        [...at, "additionalProperties"],
        property,
        `${describe(property)} accepts fewer unknown properties (additionalProperties ${oldExtra.text} -> ${newExtra.text}): documents from old writers may carry properties new readers reject`,
        `Keep accepting unknown properties here as the base does (z.looseObject for an open object).`,
      );
    } else if (oldExtra.kind === "schema" && newExtra.kind === "schema") {
      this.compare(oldExtra.schema, newExtra.schema, [...previousAt, "additionalProperties"], [...at, "additionalProperties"], join(property, "*"));
    }
    for (const [name, schema] of Object.entries(oldProperties)) {
      const child = join(property, name);
      if (Object.hasOwn(newProperties, name)) {
        this.compare(schema, newProperties[name] as Schema, [...previousAt, "properties", name], [...at, "properties", name], child);
      } else if (!oldRequired.has(name) && newExtra.kind === "closed") {
        this.report(
          JsonSchemaRule.FieldRemoved,
          [...at, "properties"],
          child,
          `${describe(child)} is removed, and unknown properties are rejected (additionalProperties false): documents from old writers may still carry it`,
          `Keep ${describe(child)} declared (optional) here, or accept unknown properties (z.looseObject).`,
        );
      } else if (newExtra.kind === "schema") {
        // The property now falls under additionalProperties: what old writers put there must still pass.
        this.compare(schema, newExtra.schema, [...previousAt, "properties", name], [...at, "additionalProperties"], child);
      }
    }
  }

  private compareArrays(old: SchemaObject, now: SchemaObject, previousAt: Path, at: Path, property: string): void {
    if (isSchema(old["items"]) && isSchema(now["items"])) {
      this.compare(old["items"], now["items"], [...previousAt, "items"], [...at, "items"], `${property}[]`);
    }
    const olds = old["prefixItems"];
    const nows = now["prefixItems"];
    if (!Array.isArray(olds) || !Array.isArray(nows)) return;
    for (let index = 0; index < Math.min(olds.length, nows.length); index += 1) {
      if (isSchema(olds[index]) && isSchema(nows[index])) {
        this.compare(
          olds[index] as Schema,
          nows[index] as Schema,
          [...previousAt, "prefixItems", index],
          [...at, "prefixItems", index],
          `${property}[${index}]`,
        );
      }
    }
  }

  private report(rule: JsonSchemaRule, at: Path, property: string, message: string, fix: string): void {
    this.changes.push({ rule, at, property: property === "" ? "(root)" : property, message, fix });
  }
}

type SchemaObject = { readonly [key: string]: unknown };

// The JSON types a schema admits; undefined for any type. `integer` is folded into `number` when both appear.
function typesOf(root: Schema, schema: Schema, depth = 0): Set<string> | undefined {
  if (schema === true) return undefined;
  if (schema === false) return new Set();
  const declared = schema["type"];
  let types: Set<string> | undefined;
  if (typeof declared === "string") types = new Set([declared]);
  else if (Array.isArray(declared)) types = new Set(declared.filter((type): type is string => typeof type === "string"));
  else if ("const" in schema) types = new Set([jsonType(schema["const"])]);
  else if (Array.isArray(schema["enum"])) types = new Set(schema["enum"].map(jsonType));
  else {
    const branches = branchesOf(schema);
    if (branches === undefined || depth > 8) return undefined;
    types = new Set();
    for (const branch of branches) {
      const inner = typesOf(root, resolve(root, branch, []).schema, depth + 1);
      if (inner === undefined) return undefined;
      for (const type of inner) types.add(type);
    }
  }
  if (types.has("number")) types.delete("integer");
  return types;
}

// The branches of `anyOf` (or `oneOf`), when every one is a schema.
function branchesOf(schema: SchemaObject): Schema[] | undefined {
  const branches = schema["anyOf"] ?? schema["oneOf"];
  return Array.isArray(branches) && branches.every(isSchema) ? branches : undefined;
}

function isSchema(value: unknown): value is Schema {
  return typeof value === "boolean" || (typeof value === "object" && value !== null && !Array.isArray(value));
}

// Follows local `$ref`s ("#/$defs/Name"), returning the schema and where it sits in its document.
function resolve(root: Schema, schema: Schema, at: Path): { schema: Schema; at: Path } {
  let current = schema;
  let where = at;
  for (let hops = 0; hops < 32 && typeof current === "object" && typeof current["$ref"] === "string"; hops += 1) {
    const ref = current["$ref"];
    if (!ref.startsWith("#")) break;
    const path = ref
      .slice(1)
      .split("/")
      .slice(1)
      .map((segment) => decodeURIComponent(segment).replaceAll("~1", "/").replaceAll("~0", "~"));
    let target: unknown = root;
    for (const segment of path) target = isSchema(target) || Array.isArray(target) ? (target as Record<string, unknown>)[segment] : undefined;
    if (!isSchema(target)) break;
    current = target;
    where = path;
  }
  return { schema: current, at: where };
}

function propertiesOf(schema: SchemaObject): Record<string, Schema> {
  const properties = schema["properties"];
  if (!isSchema(properties) || typeof properties === "boolean") return {};
  return Object.fromEntries(Object.entries(properties).filter(([, value]) => isSchema(value))) as Record<string, Schema>;
}

function requiredOf(schema: SchemaObject): Set<string> {
  const required = schema["required"];
  return new Set(Array.isArray(required) ? required.filter((name): name is string => typeof name === "string") : []);
}

type Extra = { kind: "open"; text: string } | { kind: "closed"; text: string } | { kind: "schema"; text: string; schema: Schema };

function extraOf(schema: SchemaObject): Extra {
  const extra = schema["additionalProperties"];
  if (extra === undefined || extra === true) return { kind: "open", text: extra === true ? "true" : "absent" };
  if (extra === false) return { kind: "closed", text: "false" };
  if (!isSchema(extra) || Object.keys(extra).length === 0) return { kind: "open", text: "{}" };
  return { kind: "schema", text: "a schema", schema: extra };
}

// The values an enum, a const, or a union of them (z.union of literals) allows, as JSON
// text; undefined when the schema does not enumerate its values.
function valuesOf(schema: Schema): Set<string> | undefined {
  if (typeof schema === "boolean") return undefined;
  if ("const" in schema) return new Set([JSON.stringify(schema["const"])]);
  const values = schema["enum"];
  if (Array.isArray(values)) return new Set(values.map((value) => JSON.stringify(value)));
  const branches = branchesOf(schema);
  if (branches === undefined || branches.length === 0) return undefined;
  const union = new Set<string>();
  for (const branch of branches) {
    const inner = valuesOf(branch);
    if (inner === undefined) return undefined;
    for (const value of inner) union.add(value);
  }
  return union;
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value === "number" ? "number" : typeof value;
}

function sameSet(a: Set<string> | undefined, b: Set<string> | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.size === b.size && [...a].every((item) => b.has(item));
}

function describeTypes(types: Set<string> | undefined): string {
  if (types === undefined) return "any type";
  if (types.size === 0) return "no type (nothing is valid)";
  return [...types].sort().join(" or ");
}

function join(property: string, name: string): string {
  return property === "" ? name : `${property}.${name}`;
}

function describe(property: string): string {
  return property === "" ? "the document" : `property ${JSON.stringify(property)}`;
}
