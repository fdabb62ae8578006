import type { AuditEntry } from "@twostep/fleet";
import { describe, expect, test } from "vitest";
import { sampleAuditEntry, sampleWriteLevelRecord } from "../samples/index.js";
import { eventually, type ContractContext } from "./contract-context.js";
import { scribble } from "./scribble.js";

/** Cases of the audit log and of the control plane's lifecycle. */
export function auditCases(context: ContractContext): void {
  describe("audit log", () => {
    test("an empty log reads as nothing", async () => {
      expect(await context.plane.readAudit()).toEqual([]);
      expect(await context.plane.readAudit({ capability: "orders.OrderPlaced", limit: 3 })).toEqual([]);
    });

    test("entries read back oldest first and deep-equal, from another client too", async () => {
      const { plane } = context;
      const peer = await context.peer();
      const entries = [
        sampleAuditEntry("e1", "orders.OrderPlaced"),
        sampleAuditEntry("e2", null),
        sampleAuditEntry("e3", "naïve café.v2", { action: "refused", after: null, revisionAfter: 0 }),
      ];
      for (const entry of entries) await plane.appendAudit(entry);
      expect(await plane.readAudit()).toEqual(entries);
      expect(await peer.readAudit()).toEqual(entries);
    });

    test("readAudit filters by capability and limits to the last N entries", async () => {
      const { plane } = context;
      const entries = Array.from({ length: 7 }, (_, index) =>
        sampleAuditEntry(`e${index}`, index % 3 === 0 ? null : index % 3 === 1 ? "orders.OrderPlaced" : "orders"),
      );
      for (const entry of entries) await plane.appendAudit(entry);
      const of = (capability: string | null): AuditEntry[] => entries.filter((entry) => entry.capability === capability);
      expect(await plane.readAudit({ capability: "orders.OrderPlaced" })).toEqual(of("orders.OrderPlaced"));
      expect(await plane.readAudit({ capability: "orders" })).toEqual(of("orders"));
      expect(await plane.readAudit({ capability: "nothing" })).toEqual([]);
      expect(await plane.readAudit({ limit: 3 })).toEqual(entries.slice(-3));
      expect(await plane.readAudit({ limit: 100 })).toEqual(entries);
      expect(await plane.readAudit({ capability: "orders.OrderPlaced", limit: 1 })).toEqual(of("orders.OrderPlaced").slice(-1));
    });

    test("entries are copied in and out", async () => {
      const { plane } = context;
      const entry = structuredClone(sampleAuditEntry("e1", "orders.OrderPlaced"));
      await plane.appendAudit(entry);
      scribble(entry);
      scribble(await plane.readAudit());
      expect(await plane.readAudit()).toEqual([sampleAuditEntry("e1", "orders.OrderPlaced")]);
    });

    test("watchAudit delivers, in order, each entry appended after the call, by any client, until stopped", async () => {
      const { plane, time } = context;
      const peer = await context.peer();
      await plane.appendAudit(sampleAuditEntry("before", "orders.OrderPlaced"));
      const seen: AuditEntry[] = [];
      const subscription = await plane.watchAudit((entry) => seen.push(entry));
      const after = [sampleAuditEntry("a1", "orders.OrderPlaced"), sampleAuditEntry("a2", null), sampleAuditEntry("a3", "orders")];
      await peer.appendAudit(after[0]!);
      await plane.appendAudit(after[1]!);
      await peer.appendAudit(after[2]!);
      await eventually(() => expect(seen).toEqual(after));
      await subscription.stop();
      await subscription.stop();
      await plane.appendAudit(sampleAuditEntry("late", null));
      await new Promise((resolve) => setTimeout(resolve, time.quietMs));
      expect(seen).toEqual(after);
    });
  });

  describe("lifecycle", () => {
    test("now() is the control plane's clock", async () => {
      const { plane, time } = context;
      expect(Math.abs(plane.now() - time.now())).toBeLessThanOrEqual(time.tolerance);
      await time.advance(100);
      expect(Math.abs(plane.now() - time.now())).toBeLessThanOrEqual(time.tolerance);
    });

    test("close() ends the watches and may be called twice", async () => {
      const peer = await context.peer();
      const seen: number[] = [];
      await peer.watchLevels((record) => seen.push(record.revision));
      await peer.watchAudit(() => seen.push(-1));
      await peer.close();
      await peer.close();
      await context.plane.compareAndSetLevel(sampleWriteLevelRecord("orders.OrderPlaced", 1), 0);
      await context.plane.appendAudit(sampleAuditEntry("e1", "orders.OrderPlaced"));
      await new Promise((resolve) => setTimeout(resolve, context.time.quietMs));
      expect(seen).toEqual([]);
    });
  });
}
