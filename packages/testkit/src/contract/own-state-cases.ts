import type { EntryKey, Snapshot, StoredEntry } from "@twostep/fleet/control-plane";
import { keyId } from "@twostep/fleet/control-plane";
import { describe, expect, test } from "vitest";
import type { ContractContext } from "./contract-context.js";
import { bytes, levelKey, memberKey } from "./entry-bytes.js";

/** Values no twostep can read: a control plane stores and hands them back as they are, so that `@twostep/fleet` judges them (and fails closed). */
const unreadable: readonly (readonly [string, Uint8Array])[] = [
  ["garbage", bytes("\u0000not json \u00ff")],
  ["empty", new Uint8Array()],
  ["newer", bytes(JSON.stringify({ format: 9, capability: "newer", anything: true }))],
];

/** The bytes of each key's entry, as hex, with whether it is a tombstone: what must come back unchanged. */
function held(entries: readonly StoredEntry[]): Record<string, string> {
  return Object.fromEntries(entries.map((entry) => [keyId(entry.key), `${entry.tombstone ? "tombstone:" : ""}${Buffer.from(entry.value).toString("hex")}`]));
}

function expected(keys: readonly (readonly [EntryKey, Uint8Array])[]): Record<string, string> {
  return Object.fromEntries(keys.map(([key, value]) => [keyId(key), Buffer.from(value).toString("hex")]));
}

/**
 * Cases of twostep's own state (issue 11 of the project) that do not depend
 * on the backend: bytes twostep cannot read are never dropped on the way
 * (dropped, they would read as absent), and a store that went backwards
 * shows as a position below the one asked for, never as a hang or an error.
 */
export function ownStateCases(context: ContractContext): void {
  describe("twostep's own state", () => {
    test("records no twostep can read (garbage, empty, a newer format) are handed back byte for byte by get, read, register, follow and history: never skipped", async () => {
      const { plane } = context;
      const stored: [EntryKey, Uint8Array][] = unreadable.map(([name, value]) => [levelKey(name), value]);
      stored.push([{ kind: "meta" }, bytes("\u0000meta")]);
      for (const [key, value] of stored) await plane.append(key, value);
      const want = expected(stored);
      for (const [key, value] of stored) {
        const entry = await plane.get(key);
        expect([entry?.tombstone, Buffer.from(entry?.value ?? bytes("missing")).toString("hex")]).toEqual([false, Buffer.from(value).toString("hex")]);
      }
      expect(held((await plane.read("records")).entries)).toEqual(want);
      expect(held((await plane.read("fleet")).entries)).toMatchObject(want);
      const peer = await context.peer();
      expect(held((await peer.register([{ key: memberKey("n1"), value: bytes("member") }])).entries)).toEqual(want);
      expect(held(await plane.history())).toEqual(want);
      const snapshots: Snapshot[] = [];
      const entries: StoredEntry[] = [];
      const follower = await plane.follow({ onSnapshot: (snapshot) => snapshots.push(snapshot), onEntry: (entry) => entries.push(entry) });
      expect(held(snapshots[0]?.entries ?? [])).toEqual(want);
      // Stored afterwards, by another client: delivered as it is.
      await peer.append(levelKey("garbage"), new Uint8Array());
      await peer.append(levelKey("empty"), bytes("\u0000"));
      await expect.poll(() => held(entries), { timeout: 5_000 }).toEqual({ [keyId(levelKey("garbage"))]: "", [keyId(levelKey("empty"))]: "00" });
      await follower.stop();
    });

    test("a read as of a position the store does not hold (it went backwards) resolves with what it holds, at a position below the one asked for", async () => {
      const { plane } = context;
      const record = await plane.append(levelKey("a"), bytes("a1"));
      const last = await plane.append(memberKey("n1"), bytes("member"));
      for (const scope of ["records", "fleet"] as const) {
        const read = await plane.read(scope, { atLeast: last + 1_000 });
        expect(read.position, scope).toBeGreaterThanOrEqual(scope === "fleet" ? last : record);
        expect(read.position, scope).toBeLessThan(last + 1_000);
        expect(Object.keys(held(read.entries))).toContain(keyId(levelKey("a")));
      }
    });

    test("following from a position the store does not hold gives a snapshot of what it holds, below that position, and then what is stored", async () => {
      const { plane } = context;
      const last = await plane.append(levelKey("a"), bytes("a1"));
      const snapshots: Snapshot[] = [];
      const entries: StoredEntry[] = [];
      const follower = await plane.follow(
        { onSnapshot: (snapshot) => snapshots.push(snapshot), onEntry: (entry) => entries.push(entry) },
        { from: last + 1_000 },
      );
      expect(snapshots).toHaveLength(1);
      expect(snapshots[0]?.position).toBeGreaterThanOrEqual(last);
      expect(snapshots[0]?.position).toBeLessThan(last + 1_000);
      expect(held(snapshots[0]?.entries ?? [])).toEqual({ [keyId(levelKey("a"))]: Buffer.from("a1").toString("hex") });
      const next = await plane.append(levelKey("a"), bytes("a2"));
      await expect.poll(() => entries.map((entry) => entry.revision), { timeout: 5_000 }).toEqual([next]);
      await follower.stop();
    });
  });
}
