import { InvalidRequestError, UnsafeChangeError } from "../errors/fleet-errors.js";
import type { ChangeNote } from "../records/change-note.js";
import { MAX_LEVEL, committedLevels, type Ramp, requiredLevels, type WriteLevelRecord, writtenLevels } from "../records/write-level-record.js";
import type { WriteLevelRequest } from "./write-level-request.js";

/** The record a request leads to, and what it newly requires. */
export interface ProposedChange {
  /** The record after the change (its `change` note is the caller's to fill in). */
  readonly next: WriteLevelRecord;
  /** Levels `next` requires and the committed record does not: every member must read them. */
  readonly newlyRequired: readonly number[];
  /** Levels the change retires. */
  readonly retiring: readonly number[];
  /** False when the request changes nothing (it is already in force). */
  readonly changes: boolean;
}

/** The state of a capability nobody has written: no level, nothing ever written, the default policy. */
export function blankState(capability: string): Omit<WriteLevelRecord, "epoch" | "change"> {
  return {
    capability,
    level: null,
    levelSince: null,
    levelSetBy: "",
    levelReason: "",
    ramp: null,
    intent: null,
    everWritten: [],
    retired: [],
    writtenUntil: {},
    policy: { drainWindowMs: null },
  };
}

/** The record of a capability that has none: nobody writes it. */
export function emptyRecord(capability: string, epoch: number, change: ChangeNote): WriteLevelRecord {
  return { ...blankState(capability), epoch, change };
}

/**
 * Works out the record a request leads to, from the committed state of
 * `current` (an intent left by a crashed coordinator is neither in force
 * nor checked: its levels count as newly required again). Looks at no
 * member: the coordinator checks those. Throws {@link InvalidRequestError}
 * for requests that make no sense and {@link UnsafeChangeError} for the
 * retirement of a level still written.
 */
export function proposeChange(current: WriteLevelRecord, request: WriteLevelRequest, actor: string, reason: string, now: number): ProposedChange {
  const settled: WriteLevelRecord = { ...current, intent: null };
  let next: WriteLevelRecord;
  let retiring: number[] = [];
  switch (request.kind) {
    case "enable-write":
      next = enable(settled, request, actor, reason, now);
      break;
    case "adopt":
      if (settled.level !== null)
        throw new InvalidRequestError(`${settled.capability} already has a write level (v${settled.level}): adopt sets the first one only`);
      next = setLevel(settled, checkLevel(request.level), actor, reason, now);
      break;
    case "disable-write":
      next = disable(settled, request.to, actor, reason, now);
      break;
    case "revert-ramp":
      next = { ...settled, ramp: null };
      break;
    case "retire":
      next = retire(settled, checkLevel(request.level));
      retiring = next === settled ? [] : [request.level];
      break;
    case "policy":
      if (request.drainWindowMs !== null && (!Number.isSafeInteger(request.drainWindowMs) || request.drainWindowMs < 0)) {
        throw new InvalidRequestError(`drain window ${request.drainWindowMs} ms is not a whole number of 0 or more`);
      }
      next = { ...settled, policy: { ...settled.policy, drainWindowMs: request.drainWindowMs } };
      break;
    case "forget":
      next = settled;
      break;
  }
  next = { ...next, intent: null, writtenUntil: trackWritten(settled, next, now) };
  const before = new Set(committedLevels(settled));
  const newlyRequired = requiredLevels(next).filter((level) => !before.has(level));
  const changes = request.kind === "forget" || current.intent !== null || !sameState(settled, next);
  return { next, newlyRequired, retiring, changes };
}

function enable(
  current: WriteLevelRecord,
  request: Extract<WriteLevelRequest, { kind: "enable-write" }>,
  actor: string,
  reason: string,
  now: number,
): WriteLevelRecord {
  const level = checkLevel(request.level);
  const percent = request.percent ?? 100;
  const where = request.where !== undefined && Object.keys(request.where).length > 0 ? checkSelector(request.where) : null;
  if (!(percent > 0 && percent <= 100)) {
    throw new InvalidRequestError(`percent ${percent} is out of range: give more than 0 and at most 100 (use disable-write to stop a ramp)`);
  }
  if (percent === 100 && where === null) return setLevel(current, level, actor, reason, now);
  if (current.level === null) {
    throw new InvalidRequestError(
      `${current.capability} has no write level yet, so there is nothing to ramp from: enable its first level for every writer first`,
    );
  }
  if (level === current.level) throw new InvalidRequestError(`${current.capability} already writes v${level}: a ramp goes towards another level`);
  const ramp: Ramp = { to: level, percent, by: request.by ?? "key", where };
  return { ...current, ramp, everWritten: withLevel(current.everWritten, level), retired: without(current.retired, level) };
}

function disable(current: WriteLevelRecord, to: number | undefined, actor: string, reason: string, now: number): WriteLevelRecord {
  if (current.level === null) throw new InvalidRequestError(`${current.capability} has no write level: nothing was ever enabled (see twostep status)`);
  if (to === undefined && current.ramp !== null) return { ...current, ramp: null };
  const target = to ?? previousLevel(current);
  if (target === undefined) {
    throw new InvalidRequestError(`${current.capability} writes v${current.level} and has no lower level to go back to: name one with --to`);
  }
  return setLevel(current, checkLevel(target), actor, reason, now);
}

function retire(current: WriteLevelRecord, level: number): WriteLevelRecord {
  if (current.retired.includes(level)) return current;
  if (!current.everWritten.includes(level)) {
    throw new InvalidRequestError(`${current.capability} v${level} was never written, so there is nothing to retire: builds may drop it already`);
  }
  if (writtenLevels(current).includes(level)) {
    throw new UnsafeChangeError(
      current.capability,
      `${current.capability} v${level} is still written (write level v${current.level}${current.ramp === null ? "" : `, ramp to v${current.ramp.to}`}): ` +
        "move writers off it first with twostep enable-write or disable-write",
    );
  }
  return { ...current, retired: withLevel(current.retired, level) };
}

function setLevel(current: WriteLevelRecord, level: number, actor: string, reason: string, now: number): WriteLevelRecord {
  const moved = level !== current.level;
  return {
    ...current,
    level,
    ramp: null,
    levelSince: moved ? now : current.levelSince,
    levelSetBy: moved ? actor : current.levelSetBy,
    levelReason: moved ? reason : current.levelReason,
    everWritten: withLevel(current.everWritten, level),
    retired: without(current.retired, level),
  };
}

function previousLevel(record: WriteLevelRecord): number | undefined {
  const level = record.level ?? 0;
  const lower = record.everWritten.filter((candidate) => candidate < level && !record.retired.includes(candidate));
  return lower.length > 0 ? Math.max(...lower) : level > 0 ? level - 1 : undefined;
}

function trackWritten(current: WriteLevelRecord, next: WriteLevelRecord, now: number): Record<string, number> {
  const until: Record<string, number> = { ...current.writtenUntil };
  const nowWritten = writtenLevels(next);
  for (const level of writtenLevels(current)) if (!nowWritten.includes(level)) until[String(level)] = now;
  for (const level of nowWritten) delete until[String(level)];
  return until;
}

function sameState(a: WriteLevelRecord, b: WriteLevelRecord): boolean {
  return (
    a.level === b.level &&
    JSON.stringify(a.ramp) === JSON.stringify(b.ramp) &&
    a.retired.join() === b.retired.join() &&
    a.everWritten.join() === b.everWritten.join() &&
    a.policy.drainWindowMs === b.policy.drainWindowMs
  );
}

function checkSelector(where: NonNullable<Ramp["where"]>): NonNullable<Ramp["where"]> {
  for (const [name, values] of Object.entries(where)) {
    if (name === "" || values.length === 0 || values.some((value) => typeof value !== "string")) {
      throw new InvalidRequestError(`label selector ${JSON.stringify(where)} is not usable: give each label a name and at least one value (zone=a,b)`);
    }
  }
  return Object.fromEntries(Object.entries(where).map(([name, values]) => [name, [...new Set(values)].sort()]));
}

function checkLevel(level: number): number {
  if (!Number.isInteger(level) || level < 0 || level > MAX_LEVEL) throw new InvalidRequestError(`level ${level} is not a whole number from 0 to ${MAX_LEVEL}`);
  return level;
}

function withLevel(levels: readonly number[], level: number): number[] {
  return [...new Set([...levels, level])].sort((a, b) => a - b);
}

function without(levels: readonly number[], level: number): number[] {
  return levels.filter((candidate) => candidate !== level);
}
