import { keyId } from "@twostep/fleet/control-plane";
import type { EntryKey } from "@twostep/fleet/control-plane";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { awkwardNames, nameArbitrary } from "../samples/index.js";
import { type ContractContext, expectRevisionConflict, expectRevisionConflictError, forAllWithPeer, freshName } from "./contract-context.js";
import { bytes, levelKey, memberKey, textOf, valuesByKey } from "./entry-bytes.js";

/** Cases of the log: appends, compare-and-set, reads as of a position, registration, history. */
export function logCases(context: ContractContext): void {
  describe("the log", () => {
    test("nothing is stored at first", async () => {
      const { plane } = context;
      expect(await plane.get(levelKey("orders.OrderPlaced"))).toBeUndefined();
      expect((await plane.read("fleet")).entries).toEqual([]);
      expect(await plane.history()).toEqual([]);
    });

    test("revisions increase over all keys, and get returns the last entry of a key with the control plane's time", async () => {
      const { plane } = context;
      const keys: EntryKey[] = [
        levelKey("a"),
        memberKey("n1"),
        { kind: "build", buildId: "0123456789abcdef0123456789abcdef" },
        { kind: "meta" },
        levelKey("a"),
      ];
      let previous = 0;
      const before = context.time.now();
      for (const [index, key] of keys.entries()) {
        const revision = await plane.append(key, bytes(`v${index}`));
        expect(revision).toBeGreaterThan(previous);
        previous = revision;
      }
      const last = await plane.get(levelKey("a"));
      expect(last?.revision).toBe(previous);
      expect(textOf(last?.value ?? new Uint8Array())).toBe("v4");
      expect(last?.tombstone).toBe(false);
      expect(last?.at).toBeGreaterThanOrEqual(before - context.time.tolerance);
      expect(last?.at).toBeLessThanOrEqual(context.time.now() + context.time.tolerance);
    });

    test("compare-and-set: expect 0 creates once; the current revision succeeds; stale or unknown revisions are refused and change nothing", async () => {
      const { plane } = context;
      const key = levelKey("orders.OrderPlaced");
      const first = await plane.append(key, bytes("one"), { expect: 0 });
      await expectRevisionConflict(plane.append(key, bytes("again"), { expect: 0 }));
      const second = await plane.append(key, bytes("two"), { expect: first });
      await expectRevisionConflict(plane.append(key, bytes("stale"), { expect: first }));
      await expectRevisionConflict(plane.append(key, bytes("future"), { expect: second + 1_000 }));
      await expectRevisionConflict(plane.append(levelKey("never.created"), bytes("x"), { expect: second }));
      const stored = await plane.get(key);
      expect([stored?.revision, textOf(stored?.value ?? new Uint8Array())]).toEqual([second, "two"]);
      expect(await plane.get(levelKey("never.created"))).toBeUndefined();
    });

    test("a tombstone removes a key, keeps its bytes, and compare-and-set works on it", async () => {
      const { plane } = context;
      const key = memberKey("shop-1");
      const put = await plane.append(key, bytes("member"));
      const removed = await plane.append(key, bytes("left"), { expect: put, tombstone: true });
      const stored = await plane.get(key);
      expect(stored).toMatchObject({ revision: removed, tombstone: true });
      expect(textOf(stored?.value ?? new Uint8Array())).toBe("left");
      await expectRevisionConflict(plane.append(key, bytes("x"), { expect: put }));
      expect(valuesByKey((await plane.read("fleet")).entries)[keyId(key)]).toBe("tombstone:left");
    });

    test("of appends racing from one revision on two clients exactly one wins, whatever the interleaving", async () => {
      await forAllWithPeer(context, fc.tuple(fc.boolean(), fc.nat({ max: 3 })), async ([peerFirst, extra], plane, peer) => {
        const key = levelKey(freshName("race"));
        let revision = 0;
        for (let step = 0; step < extra; step++) revision = await plane.append(key, bytes(`step ${step}`), { expect: revision });
        const [a, b] = peerFirst ? [peer, plane] : [plane, peer];
        const results = await Promise.allSettled([a.append(key, bytes("a"), { expect: revision }), b.append(key, bytes("b"), { expect: revision })]);
        const won = results.filter((result) => result.status === "fulfilled");
        expect(won).toHaveLength(1);
        for (const result of results) if (result.status === "rejected") expectRevisionConflictError(result.reason);
        const stored = await plane.get(key);
        expect(stored?.revision).toBe((won[0] as PromiseFulfilledResult<number>).value);
      });
    });

    test("read: the records scope holds meta and level keys only; the fleet scope holds every key; the position covers every entry", async () => {
      const { plane } = context;
      await plane.append({ kind: "meta" }, bytes("meta"));
      await plane.append(levelKey("a"), bytes("a1"));
      await plane.append(memberKey("n1"), bytes("member"));
      await plane.append({ kind: "refusal", capability: null }, bytes("refused"));
      await plane.append({ kind: "decommission", nodeId: "n0", incarnation: "00000000" }, bytes("gone"));
      const last = await plane.append(levelKey("a"), bytes("a2"));
      const records = await plane.read("records");
      expect(records.entries.map((entry) => entry.key.kind).sort()).toEqual(["level", "meta"]);
      expect(valuesByKey(records.entries)[keyId(levelKey("a"))]).toBe("a2");
      const fleet = await plane.read("fleet", { atLeast: last });
      expect(fleet.entries.map((entry) => entry.key.kind).sort()).toEqual(["decommission", "level", "member", "meta", "refusal"]);
      expect(fleet.position).toBeGreaterThanOrEqual(last);
      const revisions = fleet.entries.map((entry) => entry.revision);
      expect(revisions).toEqual([...revisions].sort((x, y) => x - y));
      for (const revision of revisions) expect(revision).toBeLessThanOrEqual(fleet.position);
    });

    test("names of any kind round-trip as keys: dots, spaces, slashes, unicode, a leading underscore", async () => {
      const { plane } = context;
      for (const name of awkwardNames) {
        await plane.append(levelKey(name), bytes(`level ${name}`));
        await plane.append(memberKey(name, "abcdef01"), bytes(`member ${name}`));
        await plane.append({ kind: "refusal", capability: name }, bytes(`refusal ${name}`));
      }
      const values = valuesByKey((await plane.read("fleet")).entries);
      for (const name of awkwardNames) {
        expect(values[keyId(levelKey(name))]).toBe(`level ${name}`);
        expect(values[keyId(memberKey(name, "abcdef01"))]).toBe(`member ${name}`);
        expect(values[keyId({ kind: "refusal", capability: name })]).toBe(`refusal ${name}`);
      }
    });

    test("stored bytes are copies: changing what was given or returned changes nothing stored", async () => {
      const { plane } = context;
      const given = bytes("original");
      await plane.append(levelKey("a"), given);
      given.fill(0);
      const first = await plane.get(levelKey("a"));
      first?.value.fill(0);
      expect(textOf((await plane.get(levelKey("a")))?.value ?? new Uint8Array())).toBe("original");
    });

    test("a key whose names are not strings is refused as an invalid request, and nothing is stored", async () => {
      const { plane } = context;
      for (const capability of [["orders"], 7, { name: "orders" }]) {
        const key = { kind: "level", capability } as unknown as EntryKey;
        await expect(plane.append(key, bytes("x"))).rejects.toMatchObject({ code: "INVALID_REQUEST" });
      }
      expect((await plane.read("fleet")).entries).toEqual([]);
    });

    test("keys handed back are copies, or frozen: changing one changes nothing stored", async () => {
      const { plane } = context;
      await plane.append(levelKey("a"), bytes("one"));
      const read = await plane.read("fleet");
      try {
        (read.entries[0]?.key as { capability: string }).capability = "b";
      } catch {
        // A frozen key refuses the change.
      }
      expect((await plane.read("fleet")).entries.map((entry) => entry.key)).toEqual([levelKey("a")]);
    });

    test("register appends in order and returns the records as of a position at or after them; ifAbsent stores a build once", async () => {
      const { plane } = context;
      const build = { kind: "build", buildId: "abcdefabcdefabcdefabcdefabcdefab" } as const;
      await plane.append(levelKey("orders.OrderPlaced"), bytes("level"));
      const snapshot = await plane.register([
        { key: build, value: bytes("build"), ifAbsent: true },
        { key: memberKey("n1", "aaaaaaaa"), value: bytes("member 1") },
      ]);
      const member = await plane.get(memberKey("n1", "aaaaaaaa"));
      expect(snapshot.position).toBeGreaterThanOrEqual(member?.revision ?? Number.POSITIVE_INFINITY);
      expect(valuesByKey(snapshot.entries)).toEqual({ [keyId(levelKey("orders.OrderPlaced"))]: "level" });
      const buildRevision = (await plane.get(build))?.revision;
      await plane.register([
        { key: build, value: bytes("build again"), ifAbsent: true },
        { key: memberKey("n2", "bbbbbbbb"), value: bytes("member 2") },
      ]);
      const stored = await plane.get(build);
      expect([stored?.revision, textOf(stored?.value ?? new Uint8Array())]).toEqual([buildRevision, "build"]);
    });

    test("a registration and an intent on two clients always see each other one way: the registration's records hold the intent, or a read as of the intent holds the member", async () => {
      await forAllWithPeer(context, fc.tuple(fc.boolean(), fc.nat({ max: 2 })), async ([peerRegisters, noise], plane, peer) => {
        const capability = freshName("cap");
        const nodeId = freshName("node");
        for (let step = 0; step < noise; step++) await plane.append(memberKey(freshName("other")), bytes("noise"));
        const [registrar, coordinator] = peerRegisters ? [peer, plane] : [plane, peer];
        const [snapshot, intent] = await Promise.all([
          registrar.register([{ key: memberKey(nodeId, "cccccccc"), value: bytes("member") }]),
          coordinator.append(levelKey(capability), bytes("intent"), { expect: 0 }),
        ]);
        const sawIntent = snapshot.entries.some((entry) => entry.key.kind === "level" && entry.key.capability === capability);
        const view = await coordinator.read("fleet", { atLeast: intent });
        const sawMember = view.entries.some((entry) => entry.key.kind === "member" && entry.key.nodeId === nodeId);
        expect(sawIntent || sawMember, "neither saw the other").toBe(true);
      });
    });

    test("history: every entry of records, refusals and decommissions, oldest first, by capability and last N; members and builds are not in it", async () => {
      const { plane } = context;
      await plane.append({ kind: "meta" }, bytes("meta"));
      await plane.append(levelKey("a"), bytes("a1"));
      await plane.append(memberKey("n1"), bytes("member"));
      await plane.append(levelKey("b"), bytes("b1"));
      await plane.append({ kind: "refusal", capability: "a" }, bytes("refused a"));
      await plane.append(levelKey("a"), bytes("a2"));
      await plane.append({ kind: "decommission", nodeId: "n1", incarnation: "0123456789abcdef" }, bytes("gone"));
      const all = await plane.history();
      expect(all.map((entry) => textOf(entry.value))).toEqual(["meta", "a1", "b1", "refused a", "a2", "gone"]);
      expect((await plane.history({ capability: "a" })).map((entry) => textOf(entry.value))).toEqual(["a1", "refused a", "a2"]);
      expect((await plane.history({ limit: 2 })).map((entry) => textOf(entry.value))).toEqual(["a2", "gone"]);
      expect(await plane.history({ limit: 0 })).toEqual([]);
    });

    test("watchHistory delivers history entries stored after it started, in order, and nothing else", async () => {
      const { plane } = context;
      await plane.append(levelKey("a"), bytes("before"));
      const seen: string[] = [];
      const watch = await plane.watchHistory((entry) => seen.push(textOf(entry.value)));
      const peer = await context.peer();
      await peer.append(memberKey("n1"), bytes("member"));
      await peer.append(levelKey("a"), bytes("after 1"));
      await peer.append({ kind: "refusal", capability: null }, bytes("after 2"));
      await expect.poll(() => seen, { timeout: 5_000 }).toEqual(["after 1", "after 2"]);
      await watch.stop();
      await peer.append(levelKey("a"), bytes("stopped"));
      await context.time.advance(context.time.quietMs);
      expect(seen).toEqual(["after 1", "after 2"]);
    });

    test("a property: after random appends on two clients, a read shows each key's last value and the history shows every history entry", async () => {
      const operation = fc.record({ onPeer: fc.boolean(), kind: fc.constantFrom("level", "member", "refusal"), name: nameArbitrary, tombstone: fc.boolean() });
      await forAllWithPeer(context, fc.array(operation, { minLength: 1, maxLength: 8 }), async (operations, plane, peer) => {
        const scope = freshName("p");
        const expected = new Map<string, string>();
        const history: string[] = [];
        for (const [index, step] of operations.entries()) {
          const client = step.onPeer ? peer : plane;
          const name = `${scope}/${step.name}`;
          const key: EntryKey = step.kind === "level" ? levelKey(name) : step.kind === "member" ? memberKey(name) : { kind: "refusal", capability: name };
          const tombstone = step.tombstone && step.kind === "member";
          const value = `${index}`;
          await client.append(key, bytes(value), { tombstone });
          expected.set(keyId(key), `${tombstone ? "tombstone:" : ""}${value}`);
          if (step.kind !== "member") history.push(value);
        }
        const values = valuesByKey((await plane.read("fleet")).entries);
        for (const [key, value] of expected) expect(values[key]).toBe(value);
        const ours = (await peer.history()).filter(
          (entry) => (entry.key.kind === "level" || entry.key.kind === "refusal") && entry.key.capability?.startsWith(`${scope}/`),
        );
        expect(ours.map((entry) => textOf(entry.value))).toEqual(history);
      });
    });
  });
}
