// What every check reports: a Violation, with the rule ids it may carry (one
// table per family of rules) and the order violations print in. The rule
// families and the formats depend on this folder; it depends on none of them.
export { CHECK_RULES } from "./check-rule.js";
export { WIRE_RULES, WireRule } from "./wire-rule.js";
export { ROLLOUT_RULES, RolloutRule } from "./rollout-rule.js";
export { JSON_SCHEMA_RULES, JsonSchemaRule } from "./json-schema-rule.js";
export { sortViolations } from "./sort-violations.js";

export type { CheckRule } from "./check-rule.js";
export type { Violation } from "./violation.js";
