/**
 * Hand-written checks of the records read by the thousand (members, builds
 * and heartbeats by a coordinator, write-level records by every node as they
 * change), equivalent to their zod schemas of record
 * format 1 or stricter: when one says yes, the zod schema accepts the JSON
 * and gives back an equal value, so the JSON is taken as it is; when it says
 * no, the zod schema decides (and words the problem). Nothing is accepted
 * that the schema refuses: they fail closed. A zod parse copies every object
 * it checks; these only read, which makes the coordinator's view of a large
 * fleet several times cheaper to build, and a record change cheaper to apply
 * (bench/: `npm run bench`).
 */
import { MAX_LEVEL } from "./write-level-record.js";
export type FastCheck = (json: Record<string, unknown>) => boolean;

type Json = Record<string, unknown>;

/** A plain JSON object whose own keys do not include `__proto__` (which zod's records would not copy as a key). */
function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !Object.hasOwn(value, "__proto__");
}

function isString(value: unknown, min: number, max: number): value is string {
  return typeof value === "string" && value.length >= min && value.length <= max;
}

/** `INCARNATION_PATTERN` and `BUILD_ID_PATTERN` of member records, by hand: `min` to `max` lowercase hex digits. */
function isLowerHex(value: unknown, min: number, max: number): value is string {
  if (typeof value !== "string" || value.length < min || value.length > max) return false;
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (!((code >= 0x30 && code <= 0x39) || (code >= 0x61 && code <= 0x66))) return false;
  }
  return true;
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

/** `memberRecordSchema`. */
function isMember(json: Json): boolean {
  if (
    !isString(json["nodeId"], 1, 256) ||
    !isLowerHex(json["incarnation"], 8, 32) ||
    !isString(json["service"], 1, 256) ||
    !isString(json["build"], 1, 256) ||
    !isLowerHex(json["buildId"], 32, 32) ||
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

function isLevel(value: unknown): value is number {
  return isWhole(value, 0) && value <= MAX_LEVEL;
}

/** Levels, ascending without repeats. */
function isLevels(value: unknown): value is number[] {
  if (!Array.isArray(value)) return false;
  for (let index = 0; index < value.length; index++) {
    if (!isLevel(value[index]) || (index > 0 && (value[index - 1] as number) >= (value[index] as number))) return false;
  }
  return true;
}

function isRamp(value: unknown): boolean {
  if (!isObject(value) || !isLevel(value["to"]) || !(value["by"] === "key" || value["by"] === "node")) return false;
  const percent = value["percent"];
  if (!isNumber(percent) || percent <= 0 || percent > 100) return false;
  const where = value["where"];
  if (where === null) return true;
  if (!isObject(where)) return false;
  for (const label in where) {
    const values = where[label];
    if (label.length === 0 || !Array.isArray(values) || values.length === 0) return false;
    for (const one of values) if (typeof one !== "string") return false;
  }
  return true;
}

function isBlocker(value: unknown): boolean {
  if (!isObject(value)) return false;
  for (const field of ["nodeId", "incarnation", "service", "build", "reason", "detail"]) if (typeof value[field] !== "string") return false;
  const lastSeen = value["lastSeen"];
  return isWhole(value["level"], Number.MIN_SAFE_INTEGER) && (value["reads"] === null || isRange(value["reads"])) && (lastSeen === null || isNumber(lastSeen));
}

function isChangeNote(value: unknown): boolean {
  if (
    !isObject(value) ||
    !isString(value["id"], 1, Number.POSITIVE_INFINITY) ||
    !isString(value["action"], 1, Number.POSITIVE_INFINITY) ||
    typeof value["actor"] !== "string" ||
    typeof value["reason"] !== "string" ||
    typeof value["request"] !== "string" ||
    !isNumber(value["at"]) ||
    !isWhole(value["revisionBefore"], 0) ||
    !isWhole(value["blockerCount"], 0)
  ) {
    return false;
  }
  const blockers = value["blockers"];
  if (!Array.isArray(blockers)) return false;
  for (const blocker of blockers) if (!isBlocker(blocker)) return false;
  return true;
}

/** `writeLevelRecordSchema`, its refinements included. */
function isLevelRecord(json: Json): boolean {
  const level = json["level"];
  const ramp = json["ramp"];
  const intent = json["intent"];
  const everWritten = json["everWritten"];
  const retired = json["retired"];
  if (
    !isString(json["capability"], 1, 256) ||
    !isWhole(json["epoch"], 0) ||
    !(level === null || isLevel(level)) ||
    !(json["levelSince"] === null || isNumber(json["levelSince"])) ||
    typeof json["levelSetBy"] !== "string" ||
    typeof json["levelReason"] !== "string" ||
    !(ramp === null || isRamp(ramp)) ||
    !isLevels(everWritten) ||
    !isLevels(retired) ||
    !isChangeNote(json["change"])
  ) {
    return false;
  }
  if (intent !== null) {
    if (!isObject(intent) || !isLevels(intent["levels"]) || !isLevels(intent["retiring"]) || !isNumber(intent["at"])) return false;
    if (typeof intent["id"] !== "string" || typeof intent["actor"] !== "string" || typeof intent["reason"] !== "string") return false;
  }
  const writtenUntil = json["writtenUntil"];
  if (!isObject(writtenUntil)) return false;
  for (const written in writtenUntil) if (!isNumber(writtenUntil[written])) return false;
  const policy = json["policy"];
  if (!isObject(policy) || !(policy["drainWindowMs"] === null || isWhole(policy["drainWindowMs"], 0))) return false;
  // The refinements: a record that contradicts itself goes to the schema, which says how.
  const rampTo = ramp === null ? undefined : ((ramp as Json)["to"] as number);
  if (level !== null && !everWritten.includes(level as number)) return false;
  if (ramp !== null && (rampTo === undefined || !everWritten.includes(rampTo) || level === null)) return false;
  if (ramp !== null && (ramp as Json)["percent"] === 100 && (ramp as Json)["where"] === null) return false;
  for (const level_ of retired) if (level_ === level || level_ === rampTo) return false;
  return true;
}

/** The fast checks of record format 1, by kind of record; kinds without one are parsed by their schema alone. */
export const fastRecordChecks: Readonly<Partial<Record<string, FastCheck>>> = {
  level: (json) => isObject(json) && isLevelRecord(json),
  member: (json) => isObject(json) && isMember(json),
  build: (json) => isObject(json) && isBuild(json),
  heartbeat: (json) => isObject(json) && isHeartbeat(json),
};
