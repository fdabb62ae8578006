import type { ChangeNote, WriteLevelRecord } from "@twostep/fleet";
import fc from "fast-check";

/** Names that stress a store's key encoding: dots, underscores, escapes look-alikes, non-ASCII, spaces. */
export const awkwardNames: readonly string[] = ["orders.OrderPlaced", "a_b", "_2E", "-", "x.y.z", "naïve café", "订单", "with space", "a/b=c", "🦀"];

/** Any name a node id or capability could carry: short, non-empty, well-formed Unicode. */
export const nameArbitrary: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...awkwardNames),
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 12 }),
  fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 24 }),
);

/** A change note of `action` by alice. */
export function sampleChangeNote(action = "enable-write", overrides: Partial<ChangeNote> = {}): ChangeNote {
  return {
    id: "change-1",
    action,
    actor: "alice",
    reason: "rollout",
    request: "enable v2",
    at: 2_000,
    revisionBefore: 0,
    blockers: [],
    blockerCount: 0,
    ...overrides,
  };
}

/** A write-level record of `capability` at `level`, with some history. */
export function sampleWriteLevelRecord(capability: string, level: number, overrides: Partial<WriteLevelRecord> = {}): WriteLevelRecord {
  return {
    capability,
    epoch: 1,
    level,
    levelSince: 2_000,
    levelSetBy: "alice",
    levelReason: "read-ready everywhere",
    ramp: null,
    intent: null,
    everWritten: level > 0 ? [level - 1, level] : [level],
    retired: [],
    writtenUntil: level > 0 ? { [String(level - 1)]: 2_000 } : {},
    policy: { drainWindowMs: null },
    change: sampleChangeNote(),
    ...overrides,
  };
}

const level = fc.integer({ min: 0, max: 1_000 });
const time = fc.integer({ min: 0, max: 2 ** 42 });
const text = fc.string({ unit: "grapheme", maxLength: 16 });

/** Any valid write-level record: with or without level, ramp (by share or labels) and intent. */
export const writeLevelRecordArbitrary: fc.Arbitrary<WriteLevelRecord> = fc
  .record({
    capability: nameArbitrary,
    epoch: fc.integer({ min: 1, max: 5 }),
    written: fc.uniqueArray(level, { minLength: 1, maxLength: 4 }),
    retiredCount: fc.nat({ max: 2 }),
    rampPercent: fc.option(fc.double({ min: 0.01, max: 99.99, noNaN: true }), { nil: null }),
    rampBy: fc.constantFrom("key" as const, "node" as const),
    where: fc.option(fc.dictionary(fc.constantFrom("zone", "tier"), fc.constantFrom(["a"], ["b"], ["a", "b"]), { minKeys: 1, noNullPrototype: true }), {
      nil: null,
    }),
    intent: fc.option(fc.record({ levels: fc.uniqueArray(level, { maxLength: 2 }), at: time, actor: text, reason: text }), { nil: null }),
    since: time,
    drain: fc.option(fc.nat({ max: 7_200_000 }), { nil: null }),
    closed: fc.boolean(),
  })
  .map((draw): WriteLevelRecord => {
    const written = [...draw.written].sort((a, b) => a - b);
    const level = draw.closed ? null : (written.at(-1) as number);
    const rampTo = written.length > 1 && level !== null && draw.rampPercent !== null ? (written[0] as number) : null;
    const writtenNow = new Set([level, rampTo]);
    const retired = written.filter((candidate) => !writtenNow.has(candidate)).slice(0, draw.retiredCount);
    return {
      capability: draw.capability,
      epoch: draw.epoch,
      level,
      levelSince: level === null ? null : draw.since,
      levelSetBy: "alice",
      levelReason: "",
      ramp: rampTo === null || draw.rampPercent === null ? null : { to: rampTo, percent: draw.rampPercent, by: draw.rampBy, where: draw.where },
      intent:
        draw.intent === null
          ? null
          : {
              levels: [...draw.intent.levels].sort((a, b) => a - b),
              retiring: [],
              id: "intent-1",
              at: draw.intent.at,
              actor: draw.intent.actor,
              reason: draw.intent.reason,
            },
      everWritten: level === null ? [] : written,
      retired: level === null ? [] : retired,
      writtenUntil: {},
      policy: { drainWindowMs: draw.drain },
      change: sampleChangeNote(),
    };
  });
