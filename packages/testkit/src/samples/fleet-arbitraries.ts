import type { Advertisement, CapabilitySupport, LevelCounters, Member, WriteLevelRecord } from "@twostep/fleet";
import fc from "fast-check";

/** Names that stress a store's key encoding: dots, underscores, escapes look-alikes, non-ASCII, spaces. */
export const awkwardNames: readonly string[] = ["orders.OrderPlaced", "a_b", "_2E", "-", "x.y.z", "naïve café", "订单", "with space", "a/b=c", "🦀"];

/** Any name a node id or capability could carry: short, non-empty, well-formed Unicode. */
export const nameArbitrary: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...awkwardNames),
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 12 }),
  fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 24 }),
);

/** Record keys: any name but `__proto__`, which JSON.parse keeps and an object assignment would swallow. */
const keyArbitrary = nameArbitrary.filter((name) => name !== "__proto__");
const level = fc.integer({ min: 0, max: 1_000 });
const time = fc.integer({ min: 0, max: 2 ** 42 });
const text = fc.string({ unit: "grapheme", maxLength: 16 });
const range = fc.tuple(level, level).map(([a, b]) => ({ min: Math.min(a, b), max: Math.max(a, b) }));
const counts = fc.dictionary(level.map(String), fc.nat(), { maxKeys: 3, noNullPrototype: true });
const support: fc.Arbitrary<CapabilitySupport> = fc.record({ reads: range, writes: range }, { requiredKeys: ["reads"] });
const counters: fc.Arbitrary<LevelCounters> = fc.record({ read: counts, written: counts, failed: counts });
const levels = fc.uniqueArray(level, { maxLength: 4 }).map((list) => list.sort((a, b) => a - b));

/** Any valid advertisement: names of every kind, optional `writes` present or absent. */
export const advertisementArbitrary: fc.Arbitrary<Advertisement> = fc.record({
  nodeId: nameArbitrary,
  service: nameArbitrary,
  build: nameArbitrary,
  capabilities: fc.dictionary(keyArbitrary, support, { maxKeys: 3, noNullPrototype: true }),
  startedAt: time,
  heartbeatAt: time,
  counters: fc.dictionary(keyArbitrary, counters, { maxKeys: 2, noNullPrototype: true }),
});

/** Any valid member. */
export const memberArbitrary: fc.Arbitrary<Member> = fc.record({ nodeId: nameArbitrary, service: nameArbitrary, build: nameArbitrary, joinedAt: time });

/** Any valid write-level record, with or without ramp and intent. */
export const writeLevelRecordArbitrary: fc.Arbitrary<WriteLevelRecord> = fc.record({
  capability: nameArbitrary,
  level,
  levelSince: time,
  levelSetBy: text,
  levelReason: text,
  ramp: fc.option(
    fc.record({
      to: level,
      percent: fc.oneof(fc.integer({ min: 1, max: 99 }), fc.constantFrom(0.5, 12.5, 99.9)),
      by: fc.constantFrom("key" as const, "node" as const),
    }),
    { nil: null },
  ),
  intent: fc.option(fc.record({ levels, at: time, actor: text, reason: text }), { nil: null }),
  everWritten: levels,
  retired: levels,
  writtenUntil: fc.dictionary(level.map(String), time, { maxKeys: 3, noNullPrototype: true }),
  changedAt: time,
  changedBy: text,
  reason: text,
});
