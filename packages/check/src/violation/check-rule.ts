import { JSON_SCHEMA_RULES, type JsonSchemaRule } from "./json-schema-rule.js";
import { ROLLOUT_RULES, type RolloutRule } from "./rollout-rule.js";
import { WIRE_RULES, type WireRule } from "./wire-rule.js";

/** Any rule id that `@twostep/check` reports: buf's WIRE rules, the rollout rules and the JSON Schema rules. */
export type CheckRule = WireRule | RolloutRule | JsonSchemaRule;

/** Every rule id of {@link CheckRule}, sorted. */
export const CHECK_RULES: readonly CheckRule[] = Object.freeze([...WIRE_RULES, ...ROLLOUT_RULES, ...JSON_SCHEMA_RULES].sort());
