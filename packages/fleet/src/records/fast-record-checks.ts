/**
 * Hand-written checks of the records a coordinator reads by the thousand
 * (members, builds, heartbeats), equivalent to their zod schemas of record
 * format 1 or stricter: when one says yes, the zod schema accepts the JSON
 * and gives back an equal value, so the JSON is taken as it is; when it says
 * no, the zod schema decides (and words the problem). Nothing is accepted
 * that the schema refuses: they fail closed. A zod parse copies every object
 * it checks; these only read, which makes the coordinator's view of a large
 * fleet several times cheaper to build (bench/: `npm run bench`).
 */
export type FastCheck = (json: Record<string, unknown>) => boolean;

type Json = Record<string, unknown>;

/** A plain JSON object whose own keys do not include `__proto__` (which zod's records would not copy as a key). */
function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !Object.hasOwn(value, "__proto__");
}

function isString(value: unknown, min: number, max: number): value is string {
  return typeof value === "string" && value.length >= min && value.length <= max;
}

function isWhole(value: unknown, min: number): value is number {
  return Number.isSafeInteger(value) && (value as number) >= min;
}

function isNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

function isRange(value: unknown): boolean {
  return isObject(value) && isWhole(value["min"], 0) && isWhole(value["max"], 0) && (value["min"] as number) <= (value["max"] as number);
}

const incarnationPattern = /^[0-9a-f]{8,32}$/;
const buildIdPattern = /^[0-9a-f]{32}$/;

/** `memberRecordSchema`. */
function isMember(json: Json): boolean {
  if (
    !isString(json["nodeId"], 1, 256) ||
    !(typeof json["incarnation"] === "string" && incarnationPattern.test(json["incarnation"])) ||
    !isString(json["service"], 1, 256) ||
    !isString(json["build"], 1, 256) ||
    !(typeof json["buildId"] === "string" && buildIdPattern.test(json["buildId"])) ||
    !isNumber(json["startedAt"]) ||
    !isWhole(json["leaseMs"], 1)
  ) {
    return false;
  }
  const labels = json["labels"];
  if (!isObject(labels)) return false;
  for (const name in labels) if (!isString(name, 1, 64) || !isString(labels[name], 0, 256)) return false;
  return true;
}

/** `buildRecordSchema`. */
function isBuild(json: Json): boolean {
  const capabilities = json["capabilities"];
  if (!isObject(capabilities)) return false;
  for (const name in capabilities) {
    const support = capabilities[name];
    if (!isString(name, 1, 256) || !isObject(support) || !isRange(support["reads"])) return false;
    if (Object.hasOwn(support, "writes") && !isRange(support["writes"])) return false;
  }
  const uses = json["uses"];
  if (uses === null) return true;
  if (!Array.isArray(uses)) return false;
  for (const name of uses) if (!isString(name, 1, 256)) return false;
  return true;
}

/** `heartbeatRecordSchema`. */
function isHeartbeat(json: Json): boolean {
  if (
    !isString(json["nodeId"], 1, Number.POSITIVE_INFINITY) ||
    !isString(json["incarnation"], 1, Number.POSITIVE_INFINITY) ||
    !isWhole(json["beat"], 1) ||
    !isWhole(json["leaseMs"], 1) ||
    !isNullableString(json["fenced"]) ||
    !isNullableString(json["regressed"])
  ) {
    return false;
  }
  const plane = json["plane"];
  if (plane !== null && !(isObject(plane) && isString(plane["id"], 1, Number.POSITIVE_INFINITY) && isWhole(plane["epoch"], 1))) return false;
  const applied = json["applied"];
  if (!isObject(applied)) return false;
  for (const name in applied) if (!isWhole(applied[name], 0)) return false;
  const writes = json["writes"];
  if (!isObject(writes)) return false;
  for (const name in writes) {
    const levels = writes[name];
    if (!isObject(levels)) return false;
    for (const level in levels) {
      const ago = levels[level];
      if (!isNumber(ago) || ago < 0) return false;
    }
  }
  const frames = json["frames"];
  if (!isObject(frames)) return false;
  for (const name in frames) {
    const levels = frames[name];
    if (!isObject(levels)) return false;
    for (const level in levels) {
      const counts = levels[level];
      if (!Array.isArray(counts) || counts.length !== 3 || !isWhole(counts[0], 0) || !isWhole(counts[1], 0) || !isWhole(counts[2], 0)) return false;
    }
  }
  const unreadable = json["unreadable"];
  if (!Array.isArray(unreadable)) return false;
  for (const problem of unreadable) if (typeof problem !== "string") return false;
  const held = json["held"];
  if (!isObject(held)) return false;
  for (const name in held) if (typeof held[name] !== "string") return false;
  return true;
}

function isNullableString(value: unknown): boolean {
  return value === null || typeof value === "string";
}

/** The fast checks of record format 1, by kind of record; kinds without one are parsed by their schema alone. */
export const fastRecordChecks: Readonly<Partial<Record<string, FastCheck>>> = {
  member: (json) => isObject(json) && isMember(json),
  build: (json) => isObject(json) && isBuild(json),
  heartbeat: (json) => isObject(json) && isHeartbeat(json),
};
