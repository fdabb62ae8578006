/**
 * The rules that keep a shipped JSON version's schema compatible, checked on
 * the JSON Schema snapshots (`z.toJSONSchema`) of the base and of HEAD. A
 * change passes when every document valid under the old schema stays valid
 * under the new one, and every document valid under the new one is valid
 * under the old one as far as the properties the old schema declares go:
 * old and new builds read and write the same version side by side.
 */
export const JsonSchemaRule = {
  /** A property became required (new, or formerly optional): old writers may leave it out. */
  FieldRequiredAdded: "JSON_FIELD_REQUIRED_ADDED",
  /** A required property was removed or made optional: new writers may leave it out, old readers require it. */
  FieldRequiredRemoved: "JSON_FIELD_REQUIRED_REMOVED",
  /** An optional property was removed from a schema that rejects unknown properties: old writers may still send it. */
  FieldRemoved: "JSON_FIELD_REMOVED",
  /** The JSON types a value may have changed (narrowed, widened, or replaced). */
  TypeChanged: "JSON_TYPE_CHANGED",
  /** An `enum` or `const` lost values, or a free value became an enumeration: old writers may send what new readers reject. */
  EnumValueRemoved: "JSON_ENUM_VALUE_REMOVED",
  /** An `enum` or `const` gained values, or stopped being one: new writers may send what old readers reject. */
  EnumValueAdded: "JSON_ENUM_VALUE_ADDED",
  /** `additionalProperties` went from allowed to `false` or to a schema: old writers' extra properties are rejected. */
  AdditionalPropertiesTightened: "JSON_ADDITIONAL_PROPERTIES_TIGHTENED",
} as const;

/** One of the rule ids in {@link JsonSchemaRule}. */
export type JsonSchemaRule = (typeof JsonSchemaRule)[keyof typeof JsonSchemaRule];

/** Every rule id of {@link JsonSchemaRule}, sorted. */
export const JSON_SCHEMA_RULES: readonly JsonSchemaRule[] = Object.freeze(Object.values(JsonSchemaRule).sort());
