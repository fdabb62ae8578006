import type { EntryKey } from "@twostep/fleet/control-plane";
import { natsLayout } from "@twostep/nats";
import { beatSubject, entrySubject, parseBeatSubject, parseEntrySubject, markSubject } from "@twostep/nats/internal";
import fc from "fast-check";
import { expect, test } from "vitest";

const layout = natsLayout("twostep");
const name = fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 });
const hex = fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: 1, maxLength: 16 });
const entryKey: fc.Arbitrary<EntryKey> = fc.oneof(
  fc.constant({ kind: "meta" } as const),
  name.map((capability) => ({ kind: "level", capability }) as const),
  fc.record({ nodeId: name, incarnation: fc.oneof(hex, name) }).map((key) => ({ kind: "member", ...key }) as const),
  fc.oneof(hex, name).map((buildId) => ({ kind: "build", buildId }) as const),
  fc.option(name, { nil: null }).map((capability) => ({ kind: "refusal", capability }) as const),
  fc.record({ nodeId: name, incarnation: fc.oneof(hex, name) }).map((key) => ({ kind: "decommission", ...key }) as const),
);

test("every key has its own subject under the log's subjects, and the subject gives the key back", () => {
  fc.assert(
    fc.property(entryKey, (key) => {
      const subject = entrySubject(layout, key);
      expect(subject.startsWith("twostep.fleet.")).toBe(true);
      expect(subject).not.toMatch(/[\s*>]/);
      expect(parseEntrySubject(layout, subject)).toEqual({ kind: "entry", key });
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(entryKey, entryKey, (a, b) => {
      if (JSON.stringify(a) !== JSON.stringify(b)) expect(entrySubject(layout, a)).not.toBe(entrySubject(layout, b));
    }),
    { numRuns: 500 },
  );
});

test("the subjects of docs/nats.md, and records apart from members", () => {
  expect(entrySubject(layout, { kind: "meta" })).toBe("twostep.fleet.r.s.meta");
  expect(entrySubject(layout, { kind: "level", capability: "orders.OrderPlaced" })).toBe("twostep.fleet.r.s.l.orders_2EOrderPlaced");
  expect(entrySubject(layout, { kind: "member", nodeId: "shop-1", incarnation: "3f2a" })).toBe("twostep.fleet.m.shop-1.3f2a");
  expect(entrySubject(layout, { kind: "build", buildId: "0f3a" })).toBe("twostep.fleet.b.0f3a");
  expect(entrySubject(layout, { kind: "refusal", capability: null })).toBe("twostep.fleet.a.r._");
  expect(entrySubject(layout, { kind: "refusal", capability: "_" })).toBe("twostep.fleet.a.r._5F");
  expect(entrySubject(layout, { kind: "decommission", nodeId: "shop-1", incarnation: "3f2a" })).toBe("twostep.fleet.a.d.shop-1.3f2a");
  expect(parseEntrySubject(layout, "twostep.fleet.r.j")).toEqual({ kind: "join" });
  expect(beatSubject(layout, { nodeId: "shop-1", incarnation: "3f2a" })).toBe("$KV.twostep_beats.shop-1.3f2a");
  expect(parseBeatSubject(layout, "$KV.twostep_beats.shop-1.3f2a")).toEqual({ nodeId: "shop-1", incarnation: "3f2a" });
  expect(parseBeatSubject(layout, layout.clockSubject)).toBeUndefined();
  expect(markSubject(layout, "shop.1")).toBe("$KV.twostep_beats.shop_2E1._regressed");
  expect(parseBeatSubject(layout, "$KV.twostep_beats.shop_2E1._regressed")).toEqual({ markOf: "shop.1" });
});

test("subjects twostep does not write are malformed, never some other key", () => {
  for (const subject of [
    "twostep.fleet",
    "twostep.fleet.zz",
    "twostep.fleet.r.s.l.not.encoded",
    "twostep.fleet.r.s.l._2",
    "twostep.fleet.r.s.meta.x",
    "twostep.fleet.m.shop-1",
    "twostep.fleet.m",
    "twostep.fleet.m.",
    "twostep.fleet.m..3f2a",
    "twostep.fleet.m.shop-1.",
    "twostep.fleet.m.shop-1.3f2a.x",
    "twostep.fleet.m.shop_41.3f2a",
    "twostepx.fleet.m.shop-1.3f2a",
    "twostep.fleet.a.r.a.b",
    "other.fleet.r.s.meta",
  ]) {
    expect(parseEntrySubject(layout, subject).kind, subject).toBe("malformed");
  }
  for (const subject of [
    "$KV.twostep_beats.only-one",
    "$KV.twostep_beats.a.b.c",
    "$KV.twostep_beats.a.b._regressed",
    "$KV.twostep_beats._regressed",
    "$KV.twostep_beats.._regressed",
    "$KV.twostep_beats..b",
    "$KV.twostep_beats.a.",
    "$KV.twostep_beatsx.a.b",
    "$KV.twostep_beat.a.b",
    "$KV.twostep_beats",
    "KV.twostep_beats.a.b",
  ]) {
    expect(parseBeatSubject(layout, subject), subject).toHaveProperty("problem");
  }
});
