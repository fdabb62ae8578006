import fc from "fast-check";
import {
  buildRecordSchema,
  fastRecordChecks,
  heartbeatRecordSchema,
  memberRecordSchema,
  twostepRecordFormats,
  writeLevelRecordSchema,
} from "@twostep/fleet/internal";
import { describe, expect, test } from "vitest";
import type { z } from "zod";

// The hand-written checks of members, builds and heartbeats stand in for
// their zod schemas: whatever one accepts, its schema accepts too and gives
// back an equal value. Checked on valid records and on records damaged in
// every place, and on JSON of no shape at all.

const name = (max: number) => fc.string({ minLength: 1, maxLength: max });
/** Mostly whole numbers, at times one that is not (or is too large to be exact). */
const whole = fc.oneof({ arbitrary: fc.nat(), weight: 19 }, { arbitrary: fc.constantFrom(0, 2 ** 53, -1, 1.5, -0, Number.MAX_SAFE_INTEGER), weight: 1 });
const rarely = <T, U>(usual: fc.Arbitrary<T>, odd: fc.Arbitrary<U>): fc.Arbitrary<T | U> =>
  fc.oneof({ arbitrary: usual, weight: 19 }, { arbitrary: odd, weight: 1 });
const range = rarely(
  fc.tuple(fc.nat(9), fc.nat(9)).map(([a, b]) => ({ min: Math.min(a, b), max: Math.max(a, b) })),
  fc.record({ min: whole, max: whole }),
);

/** Lowercase hex of every length from 6 to 34 alike (around the limits of incarnations and build ids). */
const lowerHex = fc
  .integer({ min: 6, max: 34 })
  .chain((length) => fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: length, maxLength: length }));
/** Nearly lowercase hex: upper-case digits, a letter past `f`, a line break, lengths around the limits. */
const nearHex = fc.string({ unit: fc.constantFrom(..."0123456789abcdefABCDEFg\n"), minLength: 6, maxLength: 34 });

const member = fc.record({
  nodeId: rarely(name(256), name(300)),
  incarnation: rarely(fc.stringMatching(/^[0-9a-f]{8,32}$/), fc.oneof(fc.string(), nearHex)),
  service: rarely(name(256), fc.string({ maxLength: 300 })),
  build: name(20),
  buildId: rarely(fc.stringMatching(/^[0-9a-f]{32}$/), fc.oneof(fc.string(), nearHex, fc.stringMatching(/^[0-9a-f]{31,33}$/))),
  labels: fc.dictionary(
    rarely(fc.string({ minLength: 1, maxLength: 64 }), fc.string({ maxLength: 70 })),
    rarely(fc.string({ maxLength: 10 }), fc.string({ maxLength: 300 })),
  ),
  startedAt: fc.double({ noNaN: true, noDefaultInfinity: true }),
  leaseMs: whole,
});

const build = fc.record({
  capabilities: fc.dictionary(rarely(name(5), fc.string({ maxLength: 5 })), fc.record({ reads: range, writes: range }, { requiredKeys: ["reads"] }), {
    maxKeys: 4,
  }),
  uses: fc.option(fc.array(rarely(name(5), fc.string({ maxLength: 5 }))), { nil: null }),
});

const heartbeat = fc.record({
  nodeId: rarely(name(4), fc.string({ maxLength: 4 })),
  incarnation: rarely(name(4), fc.string({ maxLength: 4 })),
  beat: whole.map((value) => (value === 0 ? 1 : value)),
  leaseMs: whole.map((value) => (value === 0 ? 1 : value)),
  plane: fc.option(fc.record({ id: rarely(name(3), fc.string({ maxLength: 3 })), epoch: whole.map((value) => (value === 0 ? 1 : value)) }), { nil: null }),
  applied: fc.dictionary(fc.string({ maxLength: 4 }), whole, { maxKeys: 5 }),
  writes: fc.dictionary(
    fc.string({ maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 2 }), rarely(fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }), fc.double())),
    {
      maxKeys: 3,
    },
  ),
  frames: fc.dictionary(
    fc.string({ maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 2 }), rarely(fc.tuple(whole, whole, whole), fc.array(whole, { maxLength: 4 }))),
    { maxKeys: 3 },
  ),
  fenced: rarely(fc.option(fc.string({ maxLength: 3 }), { nil: null }), fc.nat()),
  regressed: fc.option(fc.string({ maxLength: 3 }), { nil: null }),
  unreadable: fc.array(fc.string({ maxLength: 3 })),
  held: fc.dictionary(fc.string({ maxLength: 3 }), fc.string({ maxLength: 3 })),
});

const levels = fc.uniqueArray(fc.nat(5), { maxLength: 4 }).map((list) => list.sort((a, b) => a - b));
const blocker = fc.record({
  nodeId: fc.string({ maxLength: 3 }),
  incarnation: fc.string({ maxLength: 3 }),
  service: fc.string({ maxLength: 3 }),
  build: fc.string({ maxLength: 3 }),
  reason: fc.string({ maxLength: 3 }),
  level: rarely(fc.integer({ min: -3, max: 9 }), fc.double()),
  reads: fc.option(range, { nil: null }),
  lastSeen: fc.option(fc.nat(), { nil: null }),
  detail: fc.string({ maxLength: 3 }),
});
const level = fc
  .record({
    capability: rarely(name(20), fc.string({ maxLength: 300 })),
    epoch: whole,
    everWritten: levels,
    retired: levels,
    pick: fc.nat(),
    ramp: fc.option(
      fc.record({
        toPick: fc.nat(),
        percent: rarely(fc.double({ min: 0.5, max: 100, noNaN: true }), fc.constantFrom(0, 100, 101, -1)),
        by: rarely(fc.constantFrom("key", "node"), fc.string({ maxLength: 3 })),
        where: fc.option(fc.dictionary(rarely(name(3), fc.constant("")), fc.array(fc.string({ maxLength: 2 }), { minLength: 1, maxLength: 2 })), { nil: null }),
      }),
      { nil: null },
    ),
    intent: fc.option(fc.record({ levels, retiring: levels, id: fc.string({ maxLength: 3 }), at: fc.nat(), actor: fc.string(), reason: fc.string() }), {
      nil: null,
    }),
    writtenUntil: fc.dictionary(fc.string({ maxLength: 2 }), fc.nat()),
    drainWindowMs: fc.option(whole, { nil: null }),
    change: fc.record({
      id: rarely(name(4), fc.constant("")),
      action: name(8),
      actor: fc.string({ maxLength: 3 }),
      reason: fc.string({ maxLength: 3 }),
      request: fc.string({ maxLength: 3 }),
      at: fc.nat(),
      revisionBefore: whole,
      blockers: fc.array(blocker, { maxLength: 2 }),
      blockerCount: whole,
    }),
  })
  .map(({ everWritten, retired, pick, ramp, drainWindowMs, ...rest }) => {
    // Mostly records that agree with themselves: the level and the ramp's target ever written, and not retired.
    // Now and then one that does not: a level or target picked among retired ones too.
    const written = pick % 5 === 0 ? everWritten : everWritten.filter((value) => !retired.includes(value));
    const chosen = written.length === 0 ? null : (written[pick % written.length] as number);
    return {
      ...rest,
      level: chosen,
      levelSince: chosen === null ? null : 1,
      levelSetBy: "",
      levelReason: "",
      everWritten,
      retired,
      ramp: ramp === null || chosen === null ? null : { to: written[ramp.toPick % written.length], percent: ramp.percent, by: ramp.by, where: ramp.where },
      policy: { drainWindowMs },
    };
  });

/** A record with one key changed to something else, dropped, or a `__proto__` key added, or left whole; JSON of anything else too. */
function damaged(valid: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<unknown> {
  return fc.oneof(
    valid,
    fc.tuple(valid, fc.nat(), fc.jsonValue()).map(([record, at, value]) => {
      const keys = Object.keys(record);
      return { ...record, [keys[at % keys.length] as string]: value };
    }),
    fc.tuple(valid, fc.nat()).map(([record, at]) => {
      const { [Object.keys(record)[at % Object.keys(record).length] as string]: _, ...rest } = record;
      return rest;
    }),
    valid.map((record) => JSON.parse(`{"__proto__":{"x":1},${JSON.stringify(record).slice(1)}`)),
    fc.jsonValue(),
  );
}

describe.each([
  ["level", level, writeLevelRecordSchema],
  ["member", member, memberRecordSchema],
  ["build", build, buildRecordSchema],
  ["heartbeat", heartbeat, heartbeatRecordSchema],
] as const)("the fast check of a %s record", (kind, valid, schema) => {
  test("accepts only what its schema accepts, and the value is what the schema gives back", () => {
    const check = fastRecordChecks[kind];
    if (check === undefined) throw new Error(`no fast check of ${kind}`);
    let accepted = 0;
    fc.assert(
      fc.property(damaged(valid as fc.Arbitrary<Record<string, unknown>>), (value) => {
        // As the record arrives: JSON text, parsed.
        const json = JSON.parse(JSON.stringify(value) ?? "null") as Record<string, unknown>;
        if (typeof json !== "object" || json === null || Array.isArray(json)) return;
        if (!check(json)) return;
        accepted++;
        const parsed = (schema as z.ZodType).safeParse(json);
        expect(parsed.success).toBe(true);
        expect(parsed.data).toEqual(json);
      }),
      { numRuns: 2_000 },
    );
    expect(accepted).toBeGreaterThan(50);
  });

  test("a record it refuses is read by the schema, which words the problem", () => {
    const bytes = new TextEncoder().encode(JSON.stringify({ format: 1, nodeId: "", capability: "" }));
    const decoded = twostepRecordFormats.decode(kind, bytes);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.problem).toMatch(/does not match its schema/);
  });
});

describe("the fast check of a member's incarnation and build id", () => {
  test("takes exactly the lowercase hex digits, and the lengths, that the schema takes", () => {
    const check = fastRecordChecks["member"];
    if (check === undefined) throw new Error("no fast check of member");
    const base = { nodeId: "n", incarnation: "0123abcd", service: "s", build: "b", buildId: "0".repeat(32), labels: {}, startedAt: 0, leaseMs: 1 };
    fc.assert(
      fc.property(fc.constantFrom("incarnation", "buildId"), fc.oneof(nearHex, lowerHex), (field, value) => {
        const json = { ...base, [field]: value };
        expect(check(json)).toBe(memberRecordSchema.safeParse(json).success);
      }),
      { numRuns: 2_000 },
    );
  });
});
