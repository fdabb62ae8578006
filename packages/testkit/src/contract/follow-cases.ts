import type { Snapshot, StoredEntry } from "@twostep/fleet/control-plane";
import { keyId } from "@twostep/fleet/control-plane";
import { describe, expect, test } from "vitest";
import type { ContractContext } from "./contract-context.js";
import { bytes, levelKey, memberKey, textOf } from "./entry-bytes.js";

/** Cases of following the records: a snapshot first, then entries, in order per key. */
export function followCases(context: ContractContext): void {
  describe("following the records", () => {
    test("follow gives a snapshot of the records before it resolves, at least as new as `from`", async () => {
      const { plane } = context;
      await plane.append(levelKey("a"), bytes("a1"));
      const last = await plane.append({ kind: "meta" }, bytes("meta"));
      await plane.append(memberKey("n1"), bytes("member"));
      const snapshots: Snapshot[] = [];
      const follower = await plane.follow({ onSnapshot: (snapshot) => snapshots.push(snapshot), onEntry: () => {} }, { from: last });
      expect(snapshots).toHaveLength(1);
      expect(snapshots[0]?.position).toBeGreaterThanOrEqual(last);
      expect(snapshots[0]?.entries.map((entry) => textOf(entry.value)).sort()).toEqual(["a1", "meta"]);
      await follower.stop();
    });

    test("entries of the records stored afterwards arrive in revision order; members, refusals and builds do not", async () => {
      const { plane } = context;
      const entries: StoredEntry[] = [];
      const follower = await plane.follow({ onSnapshot: () => {}, onEntry: (entry) => entries.push(entry) });
      const peer = await context.peer();
      const revisions: number[] = [];
      for (let step = 0; step < 5; step++) {
        revisions.push(await peer.append(levelKey(step % 2 === 0 ? "a" : "b"), bytes(`v${step}`)));
        await peer.append(memberKey(`n${step}`), bytes("member"));
        await peer.append({ kind: "refusal", capability: "a" }, bytes("refused"));
      }
      revisions.push(await peer.append({ kind: "meta" }, bytes("meta")));
      await expect.poll(() => entries.map((entry) => entry.revision), { timeout: 5_000 }).toEqual(revisions);
      expect(entries.map((entry) => textOf(entry.value))).toEqual(["v0", "v1", "v2", "v3", "v4", "meta"]);
      await follower.stop();
    });

    test("a follower stopped gets nothing more; two followers each get every entry", async () => {
      const { plane } = context;
      const first: string[] = [];
      const second: string[] = [];
      const a = await plane.follow({ onSnapshot: () => {}, onEntry: (entry) => first.push(textOf(entry.value)) });
      const b = await plane.follow({ onSnapshot: () => {}, onEntry: (entry) => second.push(textOf(entry.value)) });
      await plane.append(levelKey("a"), bytes("one"));
      await expect.poll(() => [first, second], { timeout: 5_000 }).toEqual([["one"], ["one"]]);
      await a.stop();
      await plane.append(levelKey("a"), bytes("two"));
      await expect.poll(() => second, { timeout: 5_000 }).toEqual(["one", "two"]);
      await context.time.advance(context.time.quietMs);
      expect(first).toEqual(["one"]);
      await b.stop();
    });

    test("a tombstone of a record arrives as a tombstone", async () => {
      const { plane } = context;
      const seen: StoredEntry[] = [];
      const follower = await plane.follow({ onSnapshot: () => {}, onEntry: (entry) => seen.push(entry) });
      const put = await plane.append(levelKey("gone"), bytes("level"));
      await plane.append(levelKey("gone"), bytes("forgotten"), { expect: put, tombstone: true });
      await expect
        .poll(() => seen.map((entry) => [keyId(entry.key), entry.tombstone]), { timeout: 5_000 })
        .toEqual([
          [keyId(levelKey("gone")), false],
          [keyId(levelKey("gone")), true],
        ]);
      await follower.stop();
    });
  });
}
