import { InvalidRequestError, UnsafeChangeError } from "./fleet-errors.js";
import { requiredLevels, writtenLevels, type Ramp, type WriteLevelRecord } from "./write-level-record.js";

/** Who asks for a change, and why. Both are recorded. */
export interface ChangeAuthor {
  readonly actor: string;
  readonly reason: string;
}

/** A requested change of one capability's write state. */
export type WriteLevelRequest =
  | { readonly kind: "enable-write"; readonly level: number; readonly percent?: number; readonly by?: Ramp["by"] }
  | { readonly kind: "disable-write"; readonly to?: number }
  | { readonly kind: "retire"; readonly level: number };

/** The record a request leads to, and the levels it newly requires. */
export interface ProposedChange {
  readonly next: WriteLevelRecord;
  /** Levels that `next` requires and the current record does not: they need a live reader on every member. */
  readonly newlyRequired: readonly number[];
  /** False when the request changes nothing (it is already in force). */
  readonly changes: boolean;
}

/** `enable v2 at 10% by key`, `disable-write (to v1)`, `retire v1`. */
export function describeRequest(request: WriteLevelRequest): string {
  switch (request.kind) {
    case "enable-write":
      return request.percent === undefined || request.percent === 100
        ? `enable v${request.level}`
        : `enable v${request.level} at ${request.percent}% by ${request.by ?? "key"}`;
    case "disable-write":
      return request.to === undefined ? "disable-write" : `disable-write to v${request.to}`;
    case "retire":
      return `retire v${request.level}`;
  }
}

/**
 * Works out the record a request leads to, without looking at the fleet.
 * An intent left in `current` (by a crashed coordinator) is neither in force
 * nor checked: its levels count as newly required again, and the request
 * changes the record (it clears the intent) even when nothing else differs.
 * Throws {@link InvalidRequestError} for requests that make no sense and
 * {@link UnsafeChangeError} for a retirement inside its drain window or of a
 * level still written. `drainWindowMs` applies to retirements.
 */
export function proposeChange(
  capability: string,
  current: WriteLevelRecord | undefined,
  request: WriteLevelRequest,
  author: ChangeAuthor,
  now: number,
  drainWindowMs: number,
): ProposedChange {
  const stamp = { changedAt: now, changedBy: author.actor, reason: author.reason };
  const settled = current === undefined ? undefined : { ...current, intent: null };
  let next: WriteLevelRecord;
  switch (request.kind) {
    case "enable-write":
      next = enable(capability, settled, request, author, now);
      break;
    case "disable-write":
      next = disable(capability, requireRecord(capability, settled), request.to, author, now);
      break;
    case "retire":
      next = retire(capability, requireRecord(capability, settled), request.level, now, drainWindowMs);
      break;
  }
  next = { ...next, ...stamp, intent: null, writtenUntil: trackWritten(settled, next, now) };
  const before = new Set(settled === undefined ? [] : requiredLevels(settled));
  const newlyRequired = requiredLevels(next).filter((level) => !before.has(level));
  return { next, newlyRequired, changes: current === undefined || !sameWriteState(current, next) };
}

function enable(
  capability: string,
  current: WriteLevelRecord | undefined,
  request: Extract<WriteLevelRequest, { kind: "enable-write" }>,
  author: ChangeAuthor,
  now: number,
): WriteLevelRecord {
  checkLevel(request.level);
  const percent = request.percent ?? 100;
  if (!(percent > 0 && percent <= 100)) {
    throw new InvalidRequestError(`percent ${percent} is out of range: give more than 0 and at most 100 (use disable-write to stop a ramp)`);
  }
  if (current === undefined) {
    if (percent !== 100) {
      throw new InvalidRequestError(`${capability} has no write level yet, so there is nothing to ramp from: enable its current level at 100% first`);
    }
    return {
      capability,
      level: request.level,
      levelSince: now,
      levelSetBy: author.actor,
      levelReason: author.reason,
      ramp: null,
      intent: null,
      everWritten: [request.level],
      retired: [],
      writtenUntil: {},
      changedAt: now,
      changedBy: author.actor,
      reason: author.reason,
    };
  }
  if (percent === 100) return setLevel(current, request.level, author, now);
  if (request.level === current.level) {
    throw new InvalidRequestError(`${capability} already writes v${request.level}: a ramp goes towards another level`);
  }
  const ramp: Ramp = { to: request.level, percent, by: request.by ?? "key" };
  return { ...current, ramp, everWritten: withLevel(current.everWritten, request.level), retired: without(current.retired, request.level) };
}

function disable(capability: string, current: WriteLevelRecord, to: number | undefined, author: ChangeAuthor, now: number): WriteLevelRecord {
  if (to === undefined && current.ramp !== null) return { ...current, ramp: null };
  const target = to ?? previousLevel(current);
  if (target === undefined) {
    throw new InvalidRequestError(`${capability} writes v${current.level} and has no lower level to go back to: name one with --to`);
  }
  return setLevel(current, target, author, now);
}

function retire(capability: string, current: WriteLevelRecord, level: number, now: number, drainWindowMs: number): WriteLevelRecord {
  checkLevel(level);
  if (current.retired.includes(level)) return current;
  if (!current.everWritten.includes(level)) {
    throw new InvalidRequestError(`${capability} v${level} was never written, so there is nothing to retire: builds may drop it already`);
  }
  if (writtenLevels(current).includes(level)) {
    throw new UnsafeChangeError(
      capability,
      `${capability} v${level} is still written (write level v${current.level}${current.ramp ? `, ramp to v${current.ramp.to}` : ""}): ` +
        `move writers off it first with twostep enable-write or disable-write`,
    );
  }
  const until = current.writtenUntil[String(level)] ?? current.changedAt;
  if (now - until < drainWindowMs) {
    throw new UnsafeChangeError(
      capability,
      `${capability} v${level} was written until ${new Date(until).toISOString()}; its drain window ends at ` +
        `${new Date(until + drainWindowMs).toISOString()}: frames of v${level} may still be in flight or stored, retry then`,
    );
  }
  return { ...current, retired: withLevel(current.retired, level) };
}

function setLevel(current: WriteLevelRecord, level: number, author: ChangeAuthor, now: number): WriteLevelRecord {
  checkLevel(level);
  const moved = level !== current.level;
  return {
    ...current,
    level,
    ramp: null,
    levelSince: moved ? now : current.levelSince,
    levelSetBy: moved ? author.actor : current.levelSetBy,
    levelReason: moved ? author.reason : current.levelReason,
    everWritten: withLevel(current.everWritten, level),
    retired: without(current.retired, level),
  };
}

function previousLevel(record: WriteLevelRecord): number | undefined {
  const lower = record.everWritten.filter((level) => level < record.level && !record.retired.includes(level));
  return lower.length > 0 ? Math.max(...lower) : record.level > 0 ? record.level - 1 : undefined;
}

function trackWritten(current: WriteLevelRecord | undefined, next: WriteLevelRecord, now: number): Record<string, number> {
  const until: Record<string, number> = { ...current?.writtenUntil };
  const nowWritten = writtenLevels(next);
  for (const level of current === undefined ? [] : writtenLevels(current)) {
    if (!nowWritten.includes(level)) until[String(level)] = now;
  }
  for (const level of nowWritten) delete until[String(level)];
  return until;
}

function sameWriteState(a: WriteLevelRecord, b: WriteLevelRecord): boolean {
  return (
    a.level === b.level &&
    JSON.stringify(a.ramp) === JSON.stringify(b.ramp) &&
    a.intent === null &&
    a.retired.join() === b.retired.join() &&
    a.everWritten.join() === b.everWritten.join()
  );
}

function requireRecord(capability: string, current: WriteLevelRecord | undefined): WriteLevelRecord {
  if (current === undefined) {
    throw new InvalidRequestError(`${capability} has no write level yet: nothing was ever enabled (see twostep status)`);
  }
  return current;
}

function checkLevel(level: number): void {
  if (!Number.isInteger(level) || level < 0) throw new InvalidRequestError(`level ${level} is not a whole number of 0 or more`);
}

function withLevel(levels: readonly number[], level: number): number[] {
  return [...new Set([...levels, level])].sort((a, b) => a - b);
}

function without(levels: readonly number[], level: number): number[] {
  return levels.filter((candidate) => candidate !== level);
}
