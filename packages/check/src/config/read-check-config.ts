import type { SchemaErrorLocation } from "../errors/index.js";
import { ROLLOUT_RULES } from "../violation/index.js";
import { IGNORABLE_RULES, type IgnoreRule } from "./ignore-rule.js";
import { isRecord, YamlConfig } from "./yaml-config.js";

/** The file of breaking changes accepted on purpose: beside the manifest (`twostep check`) or at the top of the current tree (`check compat`). */
export const CHECK_CONFIG_FILE = "twostep-check.yaml";

type Path = readonly (string | number)[];

/**
 * Parses `twostep-check.yaml` (format in docs/check.md): buf's
 * `breaking.ignore` and `breaking.ignore_only`, whose entries are a path (a
 * file or directory relative to the config file) or `{ path, element,
 * reason }` for one element. Returns the rules with paths joined to `base`,
 * the config file's directory relative to the violations' one. Throws
 * `CheckConfigError` at the line of the first problem.
 */
export function parseCheckConfig(text: string, location: Omit<SchemaErrorLocation, "line">, base: string): IgnoreRule[] {
  const config = YamlConfig.parse(text, location);
  const document = config.value ?? {};
  if (!isRecord(document)) throw config.error([], "expected a mapping with version: 1 and breaking:");
  unknownKeys(config, document, [], ["version", "breaking"]);
  if (document["version"] !== 1) throw config.error(["version"], "version must be 1");
  const breaking = document["breaking"] ?? {};
  if (!isRecord(breaking)) throw config.error(["breaking"], "breaking must be a mapping with ignore: and ignore_only:");
  unknownKeys(config, breaking, ["breaking"], ["ignore", "ignore_only"]);
  const rules: IgnoreRule[] = [];
  for (const entry of entries(config, breaking["ignore"], ["breaking", "ignore"])) rules.push(ignoreRule(config, entry, undefined, base));
  const only = breaking["ignore_only"] ?? {};
  if (!isRecord(only)) throw config.error(["breaking", "ignore_only"], "ignore_only must map rule ids to lists of paths");
  for (const [rule, list] of Object.entries(only)) {
    const at = ["breaking", "ignore_only", rule];
    if ((ROLLOUT_RULES as readonly string[]).includes(rule)) {
      throw config.error(at, `${rule} is a rollout rule, which cannot be accepted: split the change in two as its fix says`);
    }
    if (!IGNORABLE_RULES.has(rule)) throw config.error(at, `unknown rule ${JSON.stringify(rule)}: use a WIRE rule id (as buf names it) or a JSON_* rule id`);
    for (const entry of entries(config, list, at)) rules.push(ignoreRule(config, entry, rule, base));
  }
  return rules;
}

interface Entry {
  readonly value: unknown;
  readonly at: Path;
}

function entries(config: YamlConfig, list: unknown, at: Path): Entry[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw config.error(at, "expected a list of paths");
  return list.map((value, index) => ({ value, at: [...at, index] }));
}

function ignoreRule(config: YamlConfig, { value, at }: Entry, rule: string | undefined, base: string): IgnoreRule {
  if (typeof value === "string") return { rule, path: config.path(at, base, value) };
  if (!isRecord(value) || typeof value["path"] !== "string") throw config.error(at, "expected a path, or { path, element, reason }");
  unknownKeys(config, value, at, ["path", "element", "reason"]);
  const element = value["element"];
  if (element !== undefined && (typeof element !== "string" || !/^[A-Za-z_][\w.]*$/.test(element))) {
    throw config.error([...at, "element"], "element must be the full name of a .proto element, such as shop.orders.v1.OrderPlaced.total");
  }
  if (value["reason"] !== undefined && typeof value["reason"] !== "string") throw config.error([...at, "reason"], "reason must be text");
  return { rule, path: config.path([...at, "path"], base, value["path"]), ...(element === undefined ? {} : { element }) };
}

function unknownKeys(config: YamlConfig, record: Record<string, unknown>, at: Path, known: readonly string[]): void {
  const unknown = Object.keys(record).find((key) => !known.includes(key));
  if (unknown !== undefined) throw config.error([...at, unknown], `unknown key ${JSON.stringify(unknown)} (expected ${known.join(", ")})`);
}
