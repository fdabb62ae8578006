import fc from "fast-check";
import { DecodeCache, type Decoded, RecordFormats, recordFormat1, type TwostepRecords, twostepRecordFormats } from "@twostep/fleet/internal";
import { describe, expect, test } from "vitest";
import { heartbeatRecord } from "./support/heartbeat-records.js";

// A heartbeat is written with its applied map first, and a cache that has
// read that map before parses only what follows it. These tests hold that
// shortcut to decoding the whole heartbeat: the same record, or the same
// problem, for any bytes at all.

const text = new TextEncoder();
const formats = twostepRecordFormats;

/** Record formats that count the records decoded whole. */
class CountingFormats extends RecordFormats<TwostepRecords> {
  whole = 0;

  override decode<K extends keyof TwostepRecords>(kind: K, bytes: Uint8Array): Decoded<TwostepRecords[K]> {
    this.whole++;
    return super.decode(kind, bytes);
  }
}

/** The applied maps heartbeats report: a few, as in a fleet. */
const [none, one, two, odd, twoReversed] = [{}, { a: 1 }, { a: 1, b: 2 }, { "orders.OrderPlaced": 17, 'q"uo\\te': 3, ü: 0 }, { b: 2, a: 1 }];
const maps: readonly Record<string, number>[] = [none, one, two, odd, twoReversed];

const beatArbitrary = fc.record({
  nodeId: fc.string({ minLength: 1, maxLength: 6 }),
  incarnation: fc.string({ minLength: 1, maxLength: 4 }),
  beat: fc.integer({ min: 1, max: 9 }),
  leaseMs: fc.integer({ min: 1, max: 20_000 }),
  // Planes that heartbeats share, or nearly: another epoch or id, or a member a newer twostep added.
  plane: fc.option(
    fc.oneof(
      fc.record({ id: fc.constantFrom("p", "q"), epoch: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ id: fc.constant("p"), epoch: fc.constant(1), zone: fc.constant("z") }),
    ),
    { nil: null },
  ),
  applied: fc.constantFrom(...maps),
  writes: fc.constantFrom({}, { a: { "1": 5 } }),
  frames: fc.dictionary(fc.string({ maxLength: 3 }), fc.dictionary(fc.constantFrom("1", "2"), fc.tuple(fc.nat(9), fc.nat(9), fc.nat(9))), { maxKeys: 2 }),
  fenced: fc.option(fc.string({ maxLength: 4 }), { nil: null }),
  regressed: fc.constant(null),
  unreadable: fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 }),
  held: fc.constantFrom({}, { a: "{}" }),
});

/** What may happen to a heartbeat's bytes on the way: nothing, or what would make reading it after its map alone go wrong. */
const damageArbitrary = fc.oneof(
  fc.constant({ kind: "none" as const }),
  fc
    .constantFrom(
      ',"format":2',
      ',"applied":{}',
      ',"applied":{"a":0}',
      ',"format":1',
      " ",
      ',"x":1',
      ',"\\u0066ormat":2',
      ',"appl\\u0069ed":{}',
      ',"__proto__":{"x":1}',
    )
    .map((member) => ({ kind: "append" as const, member })),
  fc.constantFrom(" ", "}", ",", "\n", '"', "{}").map((inserted) => ({ kind: "after map" as const, inserted })),
  fc.constantFrom("\uFEFF", " ", "\n").map((inserted) => ({ kind: "after comma" as const, inserted })),
  fc.constantFrom(",}", ", }", "}", ',"nodeId":"n"}').map((rest) => ({ kind: "members" as const, rest })),
  fc.nat().map((at) => ({ kind: "truncate" as const, at })),
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([at, byte]) => ({ kind: "byte" as const, at, byte })),
);

type Damage = typeof damageArbitrary extends fc.Arbitrary<infer T> ? T : never;

function damaged(bytes: Uint8Array, map: Record<string, number>, damage: Damage): Uint8Array {
  switch (damage.kind) {
    case "none":
      return bytes;
    case "append":
      // Before the closing brace: a member after the others.
      return concat(bytes.subarray(0, bytes.length - 1), text.encode(`${damage.member}}`));
    case "after map":
      return concat(bytes.subarray(0, mapEnd(map)), text.encode(damage.inserted), bytes.subarray(mapEnd(map)));
    case "after comma":
      return concat(bytes.subarray(0, mapEnd(map) + 1), text.encode(damage.inserted), bytes.subarray(mapEnd(map) + 1));
    case "members":
      // The members after the map, in place of its own.
      return concat(bytes.subarray(0, mapEnd(map)), text.encode(damage.rest));
    case "truncate":
      return bytes.subarray(0, damage.at % (bytes.length + 1));
    case "byte": {
      const copy = bytes.slice();
      copy[damage.at % copy.length] = damage.byte;
      return copy;
    }
  }
}

/** Where the applied map of a heartbeat written by this twostep ends. */
function mapEnd(map: Record<string, number>): number {
  return '{"format":1,"applied":'.length + text.encode(JSON.stringify(map)).length;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const joined = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return joined;
}

/** A cache that has read a heartbeat with each of the maps, in turn. */
function primed(cacheFormats: RecordFormats<TwostepRecords> = formats): DecodeCache {
  const cache = new DecodeCache(cacheFormats);
  maps.forEach((applied, index) => {
    expect(cache.decode("heartbeat", "beats", index + 1, formats.encode("heartbeat", heartbeatRecord("primer", { applied }), 1)).ok).toBe(true);
  });
  return cache;
}

describe("a heartbeat read after a map the cache knows", () => {
  test("is the heartbeat decoded whole, or the same problem, whatever happened to its bytes", () => {
    fc.assert(
      fc.property(beatArbitrary, damageArbitrary, (beat, damage) => {
        const bytes = damaged(formats.encode("heartbeat", beat, 1), beat.applied, damage);
        const whole = formats.decode("heartbeat", bytes);
        const read = primed().decode("heartbeat", "beats", 100, bytes);
        if (whole.ok && read.ok) expect({ value: read.value, format: read.format }).toEqual({ value: whole.value, format: whole.format });
        else expect(read).toEqual(whole);
      }),
      { numRuns: 3_000 },
    );
  });

  test("is not decoded whole, whether its map was the last one read or an earlier one, and its map is the one shared object", () => {
    const counting = new CountingFormats([recordFormat1]);
    const cache = primed(counting);
    const before = counting.whole;
    const shared = new Map<string, unknown>();
    for (const [index, applied] of [two, two, odd, one, two, twoReversed].entries()) {
      const beat = heartbeatRecord(`n${index}`, { applied });
      const read = cache.decode("heartbeat", "beats", 200 + index, formats.encode("heartbeat", beat, 1));
      if (!read.ok) throw new Error(read.problem);
      expect(read.value).toEqual(beat);
      const key = JSON.stringify(applied);
      if (shared.has(key)) expect(read.value.applied).toBe(shared.get(key));
      shared.set(key, read.value.applied);
    }
    expect(counting.whole).toBe(before);
  });

  test("laid out the older way (its map after the other members) is decoded whole, and reads the same", () => {
    const counting = new CountingFormats([recordFormat1]);
    const cache = primed(counting);
    const before = counting.whole;
    const beat = heartbeatRecord("old", { applied: two });
    const read = cache.decode("heartbeat", "beats", 300, text.encode(JSON.stringify({ format: 1, ...beat })));
    expect(read.ok && read.value).toEqual(beat);
    expect(counting.whole).toBe(before + 1);
  });
});

describe("heartbeats read one after another by one cache", () => {
  test("read as each decoded whole, though what they repeat (plane, empty members) is shared", () => {
    fc.assert(
      fc.property(fc.array(beatArbitrary, { minLength: 1, maxLength: 8 }), (beats) => {
        const cache = primed();
        const planes = new Map<string, unknown>();
        // The empty members of a heartbeat read before: the shared ones.
        const first = cache.decode("heartbeat", "beats", 99, formats.encode("heartbeat", heartbeatRecord("first"), 1));
        if (!first.ok) throw new Error(first.problem);
        const empties = { map: first.value.writes, list: first.value.unreadable };
        expect(Object.isFrozen(empties.map) && Object.isFrozen(empties.list)).toBe(true);
        beats.forEach((beat, index) => {
          const bytes = formats.encode("heartbeat", beat, 1);
          const read = cache.decode("heartbeat", "beats", 100 + index, bytes);
          const whole = formats.decode("heartbeat", bytes);
          if (!read.ok || !whole.ok) throw new Error("a heartbeat of this twostep could not be read");
          expect(read.value).toEqual(whole.value);
          // What is shared is frozen, and every empty member is one shared object.
          for (const part of [read.value.writes, read.value.frames, read.value.held, read.value.unreadable]) {
            if (Object.keys(part).length === 0) expect(part).toBe(Array.isArray(part) ? empties.list : empties.map);
          }
          if (read.value.plane !== null && Object.keys(read.value.plane).length === 2) expect(Object.isFrozen(read.value.plane)).toBe(true);
          const plane = read.value.plane;
          if (plane === null || Object.keys(plane).length !== 2) return;
          // Equal planes in a row are one object.
          const key = JSON.stringify(plane);
          const last = [...planes.keys()].at(-1);
          if (last === key) expect(plane).toBe(planes.get(key));
          planes.delete(key);
          planes.set(key, plane);
        });
      }),
      { numRuns: 1_000 },
    );
  });
});

describe("a map shared from a heartbeat of a newer record format", () => {
  test("is no shortcut for a heartbeat of format 1, whose check it never passed", () => {
    // A newer twostep whose format 2 takes any heartbeat, negative revisions too.
    const newer = formats.with({ version: 2, encode: (_kind, model) => ({ ...(model as object) }), decode: (_kind, json) => json as never });
    const cache = new DecodeCache(newer);
    const beat = (format: number) =>
      text.encode(
        `{"format":${format},"applied":{"a":-1},"nodeId":"n","incarnation":"1","beat":1,"leaseMs":1,"plane":null,"writes":{},"frames":{},"fenced":null,"regressed":null,"unreadable":[],"held":{}}`,
      );
    expect(cache.decode("heartbeat", "beats", 1, beat(2)).ok).toBe(true);
    const read = cache.decode("heartbeat", "beats", 2, beat(1));
    expect(read).toEqual(newer.decode("heartbeat", beat(1)));
    expect(read.ok).toBe(false);
  });
});
