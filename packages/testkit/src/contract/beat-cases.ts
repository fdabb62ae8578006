import type { BeatKey } from "@twostep/fleet/control-plane";
import { describe, expect, test } from "vitest";
import { awkwardNames } from "../samples/index.js";
import { type ContractContext, expectRevisionConflict } from "./contract-context.js";
import { bytes, textOf } from "./entry-bytes.js";

const key: BeatKey = { nodeId: "shop-1", incarnation: "0123456789abcdef" };

/** Cases of heartbeats: compare-and-set renewal, tombstones, the last one stored, marks of nodes holding records the store lost, expiry, the server's clock. */
export function beatCases(context: ContractContext): void {
  describe("heartbeats", () => {
    test("a heartbeat is created with expect 0, renewed with its revision, and stamped with the control plane's time", async () => {
      const { plane } = context;
      const before = context.time.now();
      const first = await plane.beat(key, bytes("beat 1"), { expect: 0 });
      await expectRevisionConflict(plane.beat(key, bytes("again"), { expect: 0 }));
      const second = await plane.beat(key, bytes("beat 2"), { expect: first });
      await expectRevisionConflict(plane.beat(key, bytes("stale"), { expect: first }));
      const stored = await plane.readBeat(key);
      expect([stored?.revision, textOf(stored?.value ?? new Uint8Array()), stored?.tombstone]).toEqual([second, "beat 2", false]);
      expect(stored?.at).toBeGreaterThanOrEqual(before - context.time.tolerance);
      expect(stored?.at).toBeLessThanOrEqual(context.time.now() + context.time.tolerance);
      const server = await plane.serverTime();
      expect(server).toBeGreaterThanOrEqual((stored?.at ?? 0) - context.time.tolerance);
    });

    test("a tombstone ends a heartbeat: the node's next renewal is refused", async () => {
      const { plane } = context;
      const peer = await context.peer();
      const revision = await plane.beat(key, bytes("alive"), { expect: 0 });
      await peer.beat(key, bytes("decommissioned"), { expect: revision, tombstone: true });
      await expectRevisionConflict(plane.beat(key, bytes("renew"), { expect: revision }));
      const stored = await plane.readBeat(key);
      expect([stored?.tombstone, textOf(stored?.value ?? new Uint8Array())]).toEqual([true, "decommissioned"]);
    });

    test("readBeats lists the last heartbeat of every incarnation, awkward names included", async () => {
      const { plane } = context;
      for (const [index, nodeId] of awkwardNames.entries()) await plane.beat({ nodeId, incarnation: "abcdef01" }, bytes(`beat ${index}`), { expect: 0 });
      const beats = await plane.readBeats();
      expect(beats.map((beat) => [beat.key.nodeId, textOf(beat.value)]).sort()).toEqual(awkwardNames.map((nodeId, index) => [nodeId, `beat ${index}`]).sort());
    });

    test("heartbeats handed back are copies, or frozen: changing one's key changes nothing a later read gives", async () => {
      const { plane } = context;
      await plane.beat(key, bytes("beat"), { expect: 0 });
      const [first] = await plane.readBeats();
      try {
        (first?.key as { nodeId: string }).nodeId = "someone-else";
      } catch {
        // A frozen key refuses the change.
      }
      expect((await plane.readBeats()).map((beat) => beat.key)).toEqual([key]);
    });

    test("lastBeat is the heartbeat stored last, of any incarnation and on any client, passing over tombstones and the clock; none when there is none", async () => {
      const { plane } = context;
      const peer = await context.peer();
      const one: BeatKey = { nodeId: "shop-1", incarnation: "0000000000000001" };
      // A node id NATS must encode into one token: the last heartbeat is found across every key.
      const two: BeatKey = { nodeId: "x.y.z", incarnation: "0000000000000002" };
      const last = async (): Promise<[string, string] | undefined> => {
        const beat = await peer.lastBeat();
        return beat === undefined ? undefined : [beat.key.nodeId, textOf(beat.value)];
      };
      expect(await plane.lastBeat()).toBeUndefined();
      const first = await plane.beat(one, bytes("one 1"), { expect: 0 });
      const other = await plane.beat(two, bytes("two 1"), { expect: 0 });
      expect(await last()).toEqual([two.nodeId, "two 1"]);
      const renewed = await plane.beat(one, bytes("one 2"), { expect: first });
      await plane.serverTime();
      expect(await last()).toEqual([one.nodeId, "one 2"]);
      const stored = await plane.lastBeat();
      expect([stored?.revision, stored?.tombstone, stored?.key]).toEqual([renewed, false, one]);
      await plane.beat(one, bytes("left"), { expect: renewed, tombstone: true });
      expect(await last()).toEqual([two.nodeId, "two 1"]);
      await plane.beat(two, bytes("left too"), { expect: other, tombstone: true });
      expect(await last()).toBeUndefined();
    });

    test("marks of node ids holding records the store lost: one per node id, read by any client, never a heartbeat; beatsOf gives one node id's heartbeats", async () => {
      const { plane } = context;
      const peer = await context.peer();
      expect(await peer.regressionMarks()).toEqual([]);
      await plane.markRegression("shop-1");
      // A node id NATS must encode, marked by another client, and a mark renewed.
      await peer.markRegression("x.y.z");
      await plane.markRegression("shop-1");
      expect((await peer.regressionMarks()).sort()).toEqual(["shop-1", "x.y.z"]);
      // A mark is no heartbeat: neither read gives it, nor does the last one stored pass for one.
      const two: BeatKey = { nodeId: "shop-1", incarnation: "0000000000000002" };
      const other: BeatKey = { nodeId: "shop-10", incarnation: "0000000000000003" };
      await plane.beat(key, bytes("one"), { expect: 0 });
      const second = await plane.beat(two, bytes("two"), { expect: 0 });
      await plane.beat(other, bytes("other"), { expect: 0 });
      await plane.markRegression("shop-1");
      expect((await plane.readBeats()).map((beat) => textOf(beat.value)).sort()).toEqual(["one", "other", "two"]);
      expect(textOf((await peer.lastBeat())?.value ?? new Uint8Array())).toBe("other");
      // Every incarnation of one node id, and of that id alone; a tombstone ends one.
      await plane.beat(two, bytes("left"), { expect: second, tombstone: true });
      expect((await peer.beatsOf("shop-1")).map((beat) => [beat.key, textOf(beat.value)])).toEqual([[key, "one"]]);
      expect(await peer.beatsOf("nobody")).toEqual([]);
    });

    test("a heartbeat older than the TTL expires, and so does a mark; the key then takes expect 0 again", async () => {
      const { plane } = context;
      const revision = await plane.beat(key, bytes("old"), { expect: 0 });
      await plane.markRegression(key.nodeId);
      await context.time.advance(context.ttlMs + 2 * context.time.tolerance + 100);
      await expect.poll(async () => (await plane.readBeats()).length, { timeout: 10_000 }).toBe(0);
      await expect.poll(async () => (await plane.regressionMarks()).length, { timeout: 10_000 }).toBe(0);
      expect(await plane.beatsOf(key.nodeId)).toEqual([]);
      expect(await plane.readBeat(key)).toBeUndefined();
      await expectRevisionConflict(plane.beat(key, bytes("stale"), { expect: revision }));
      expect(await plane.beat(key, bytes("fresh"), { expect: 0 })).toBeGreaterThan(0);
    });
  });
}
