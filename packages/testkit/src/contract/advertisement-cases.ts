import { describe, expect, test } from "vitest";
import { advertisementArbitrary, awkwardNames, memberArbitrary, sampleAdvertisement, sampleMember } from "../samples/index.js";
import { forAllWithPeer, type ContractContext } from "./contract-context.js";
import { scribble } from "./scribble.js";

/** Cases of advertisements (heartbeats, expiry) and members. */
export function advertisementCases(context: ContractContext): void {
  describe("advertisements", () => {
    test("put then get gives the advertisement back, with seenAt set by the control plane", async () => {
      const { plane, time } = context;
      const advertisement = sampleAdvertisement("node-1");
      const before = time.now();
      await plane.putAdvertisement(advertisement);
      const after = time.now();
      const seen = await plane.getAdvertisement("node-1");
      expect(seen?.advertisement).toEqual(advertisement);
      // heartbeatAt is 42: a seenAt taken from the node would fall far outside.
      expect(seen?.seenAt).toBeGreaterThanOrEqual(before - time.tolerance);
      expect(seen?.seenAt).toBeLessThanOrEqual(after + time.tolerance);
    });

    test("get of a node never seen is undefined, and the list starts empty", async () => {
      expect(await context.plane.getAdvertisement("nobody")).toBeUndefined();
      expect(await context.plane.listAdvertisements()).toEqual([]);
    });

    test("list shows every advertisement, and a put replaces the node's previous one", async () => {
      const { plane } = context;
      for (const nodeId of awkwardNames) await plane.putAdvertisement(sampleAdvertisement(nodeId));
      await plane.putAdvertisement(sampleAdvertisement("a_b", { build: "2.0.0" }));
      const listed = await plane.listAdvertisements();
      expect(listed.map((seen) => seen.advertisement.nodeId).sort()).toEqual([...awkwardNames].sort());
      expect(listed.find((seen) => seen.advertisement.nodeId === "a_b")?.advertisement).toEqual(sampleAdvertisement("a_b", { build: "2.0.0" }));
    });

    test("remove deletes the advertisement; removing one that is not there is no error", async () => {
      const { plane } = context;
      await plane.putAdvertisement(sampleAdvertisement("node-1"));
      await plane.putAdvertisement(sampleAdvertisement("node-2"));
      await plane.removeAdvertisement("node-1");
      await plane.removeAdvertisement("never-there");
      expect(await plane.getAdvertisement("node-1")).toBeUndefined();
      expect((await plane.listAdvertisements()).map((seen) => seen.advertisement.nodeId)).toEqual(["node-2"]);
    });

    test("an advertisement expires after the TTL unless a heartbeat renews it; members never expire", async () => {
      const { plane, time, ttlMs } = context;
      await plane.putMember(sampleMember("beating"));
      await plane.putAdvertisement(sampleAdvertisement("beating"));
      await plane.putAdvertisement(sampleAdvertisement("silent"));
      await time.advance(ttlMs * 0.6);
      await plane.putAdvertisement(sampleAdvertisement("beating", { heartbeatAt: 43 }));
      await time.advance(ttlMs * 0.6);
      expect(await plane.getAdvertisement("silent")).toBeUndefined();
      expect((await plane.getAdvertisement("beating"))?.advertisement.heartbeatAt).toBe(43);
      expect((await plane.listAdvertisements()).map((seen) => seen.advertisement.nodeId)).toEqual(["beating"]);
      expect(await plane.getMember("beating")).toEqual(sampleMember("beating"));
    });

    test("values are copied in and out: changing what was put or what was read changes nothing stored", async () => {
      const { plane } = context;
      const advertisement = structuredClone(sampleAdvertisement("node-1"));
      await plane.putAdvertisement(advertisement);
      scribble(advertisement);
      const first = await plane.getAdvertisement("node-1");
      scribble(first);
      const listed = await plane.listAdvertisements();
      scribble(listed);
      expect((await plane.getAdvertisement("node-1"))?.advertisement).toEqual(sampleAdvertisement("node-1"));
    });

    test("any valid advertisement reads back deep-equal, from a second client too", async () => {
      await forAllWithPeer(context, advertisementArbitrary, async (advertisement, plane, peer) => {
        await plane.putAdvertisement(advertisement);
        expect((await peer.getAdvertisement(advertisement.nodeId))?.advertisement).toEqual(advertisement);
      });
    });
  });

  describe("members", () => {
    test("put, get, list and remove members; a re-registration replaces the member", async () => {
      const { plane } = context;
      expect(await plane.getMember("node-1")).toBeUndefined();
      expect(await plane.listMembers()).toEqual([]);
      for (const nodeId of awkwardNames) await plane.putMember(sampleMember(nodeId));
      await plane.putMember(sampleMember("a_b", { build: "2.0.0", joinedAt: 5_000 }));
      await plane.removeMember("x.y.z");
      await plane.removeMember("never-there");
      const expected = awkwardNames
        .filter((nodeId) => nodeId !== "x.y.z")
        .map((nodeId) => (nodeId === "a_b" ? sampleMember(nodeId, { build: "2.0.0", joinedAt: 5_000 }) : sampleMember(nodeId)));
      const byId = (a: { nodeId: string }, b: { nodeId: string }): number => (a.nodeId < b.nodeId ? -1 : 1);
      expect((await plane.listMembers()).sort(byId)).toEqual(expected.sort(byId));
      expect(await plane.getMember("a_b")).toEqual(sampleMember("a_b", { build: "2.0.0", joinedAt: 5_000 }));
      expect(await plane.getMember("x.y.z")).toBeUndefined();
    });

    test("members are copied in and out", async () => {
      const { plane } = context;
      const member = structuredClone(sampleMember("node-1"));
      await plane.putMember(member);
      scribble(member);
      scribble(await plane.getMember("node-1"));
      scribble(await plane.listMembers());
      expect(await plane.getMember("node-1")).toEqual(sampleMember("node-1"));
    });

    test("any valid member reads back deep-equal, from a second client too", async () => {
      await forAllWithPeer(context, memberArbitrary, async (member, plane, peer) => {
        await plane.putMember(member);
        expect(await peer.getMember(member.nodeId)).toEqual(member);
        expect((await peer.listMembers()).find((listed) => listed.nodeId === member.nodeId)).toEqual(member);
      });
    });
  });
}
