import type { ControlPlane, Versioned, WriteLevelRecord } from "@twostep/fleet";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { awkwardNames, sampleWriteLevelRecord, writeLevelRecordArbitrary } from "../samples/index.js";
import { eventually, expectRevisionConflict, expectRevisionConflictError, forAllWithPeer, freshName, type ContractContext } from "./contract-context.js";
import { scribble } from "./scribble.js";

/** Cases of write-level records: compare-and-set, revisions, races, watches. */
export function levelCases(context: ContractContext): void {
  describe("write levels", () => {
    test("nothing is set at first", async () => {
      expect(await context.plane.getLevel("orders.OrderPlaced")).toBeUndefined();
      expect(await context.plane.listLevels()).toEqual([]);
    });

    test("compareAndSetLevel with expected 0 creates the record, once", async () => {
      const { plane } = context;
      const revision = await plane.compareAndSetLevel(sampleWriteLevelRecord("orders.OrderPlaced", 1), 0);
      expect(revision).toBeGreaterThan(0);
      expect(await plane.getLevel("orders.OrderPlaced")).toEqual({ value: sampleWriteLevelRecord("orders.OrderPlaced", 1), revision });
      await expectRevisionConflict(plane.compareAndSetLevel(sampleWriteLevelRecord("orders.OrderPlaced", 2), 0));
      expect(await plane.getLevel("orders.OrderPlaced")).toEqual({ value: sampleWriteLevelRecord("orders.OrderPlaced", 1), revision });
    });

    test("an update with the current revision succeeds; a stale or unknown revision is refused and changes nothing", async () => {
      const { plane } = context;
      const first = await plane.compareAndSetLevel(sampleWriteLevelRecord("orders.OrderPlaced", 1), 0);
      const second = await plane.compareAndSetLevel(sampleWriteLevelRecord("orders.OrderPlaced", 2), first);
      expect(second).toBeGreaterThan(first);
      await expectRevisionConflict(plane.compareAndSetLevel(sampleWriteLevelRecord("orders.OrderPlaced", 3), first));
      await expectRevisionConflict(plane.compareAndSetLevel(sampleWriteLevelRecord("orders.OrderPlaced", 3), second + 1_000));
      await expectRevisionConflict(plane.compareAndSetLevel(sampleWriteLevelRecord("never.created", 1), second));
      expect(await plane.getLevel("orders.OrderPlaced")).toEqual({ value: sampleWriteLevelRecord("orders.OrderPlaced", 2), revision: second });
      expect(await plane.getLevel("never.created")).toBeUndefined();
    });

    test("the revisions of a record strictly increase, and listLevels shows each record at its last one", async () => {
      const { plane } = context;
      const revisions = new Map<string, number>();
      for (let step = 0; step < 4; step++) {
        for (const capability of awkwardNames.slice(0, 4)) {
          const revision = await plane.compareAndSetLevel(sampleWriteLevelRecord(capability, step), revisions.get(capability) ?? 0);
          expect(revision).toBeGreaterThan(revisions.get(capability) ?? 0);
          revisions.set(capability, revision);
        }
      }
      const listed = await plane.listLevels();
      expect(sortByCapability(listed)).toEqual(
        sortByCapability([...revisions].map(([capability, revision]) => ({ value: sampleWriteLevelRecord(capability, 3), revision }))),
      );
    });

    test("a write finished on one client is seen by a read that starts after it on another", async () => {
      const { plane } = context;
      const peer = await context.peer();
      let revision = 0;
      for (let level = 0; level < 5; level++) {
        const writer = level % 2 === 0 ? plane : peer;
        const reader = writer === plane ? peer : plane;
        revision = await writer.compareAndSetLevel(sampleWriteLevelRecord("orders.OrderPlaced", level), revision);
        expect(await reader.getLevel("orders.OrderPlaced")).toEqual({ value: sampleWriteLevelRecord("orders.OrderPlaced", level), revision });
        expect(await reader.listLevels()).toEqual([{ value: sampleWriteLevelRecord("orders.OrderPlaced", level), revision }]);
      }
    });

    test("records are copied in and out", async () => {
      const { plane } = context;
      const record = structuredClone(sampleWriteLevelRecord("orders.OrderPlaced", 2, { ramp: { to: 3, percent: 10, by: "key" } }));
      const revision = await plane.compareAndSetLevel(record, 0);
      scribble(record);
      scribble(await plane.getLevel("orders.OrderPlaced"));
      scribble(await plane.listLevels());
      expect(await plane.getLevel("orders.OrderPlaced")).toEqual({
        value: sampleWriteLevelRecord("orders.OrderPlaced", 2, { ramp: { to: 3, percent: 10, by: "key" } }),
        revision,
      });
    });

    test("any valid record reads back deep-equal, from a second client too", async () => {
      const revisions = new Map<string, number>();
      await forAllWithPeer(context, writeLevelRecordArbitrary, async (record, plane, peer) => {
        const revision = await plane.compareAndSetLevel(record, revisions.get(record.capability) ?? 0);
        revisions.set(record.capability, revision);
        expect(await peer.getLevel(record.capability)).toEqual({ value: record, revision });
      });
    });

    test("concurrent compare-and-sets from one revision, on two clients: exactly one wins, whatever the interleaving", async () => {
      await forAllRaces(context, 4, async ({ scheduler, count, capability, base, clients }) => {
        const attempts = Array.from({ length: count }, (_, index) =>
          scheduler
            .schedule(Promise.resolve(index), `cas ${index}`)
            .then(() => clients[index % 2]!.compareAndSetLevel(sampleWriteLevelRecord(capability, index + 1), base)),
        );
        const outcomes = await scheduler.waitFor(Promise.allSettled(attempts));
        const winners = outcomes.flatMap((outcome, index) => (outcome.status === "fulfilled" ? [{ index, revision: outcome.value }] : []));
        expect(winners).toHaveLength(1);
        for (const outcome of outcomes) if (outcome.status === "rejected") expectRevisionConflictError(outcome.reason);
        const [winner] = winners;
        expect(winner!.revision).toBeGreaterThan(base);
        expect(await clients[1].getLevel(capability)).toEqual({ value: sampleWriteLevelRecord(capability, winner!.index + 1), revision: winner!.revision });
      });
    });

    test("read-then-compare-and-set on two clients is linearizable: the winners form one chain of revisions", async () => {
      await forAllRaces(context, 5, async ({ scheduler, count, capability, base, clients }) => {
        const actor = async (index: number): Promise<{ index: number; expected: number; revision: number | undefined }> => {
          const client = clients[index % 2]!;
          await scheduler.schedule(Promise.resolve(), `read ${index}`);
          const expected = (await client.getLevel(capability))?.revision ?? 0;
          await scheduler.schedule(Promise.resolve(), `write ${index}`);
          try {
            return { index, expected, revision: await client.compareAndSetLevel(sampleWriteLevelRecord(capability, index + 1), expected) };
          } catch (error) {
            expectRevisionConflictError(error);
            return { index, expected, revision: undefined };
          }
        };
        const results = await scheduler.waitFor(Promise.all(Array.from({ length: count }, (_, index) => actor(index))));
        const winners = results.filter((result) => result.revision !== undefined).sort((a, b) => a.revision! - b.revision!);
        expect(winners.length).toBeGreaterThan(0);
        // Each winner started from the revision the previous winner wrote: no update was lost.
        winners.forEach((winner, position) => {
          expect(winner.expected).toBe(position === 0 ? base : winners[position - 1]!.revision);
        });
        // Each loser started from a revision some winner replaced.
        for (const loser of results.filter((result) => result.revision === undefined)) {
          expect(winners.some((winner) => winner.expected === loser.expected)).toBe(true);
        }
        const last = winners.at(-1)!;
        expect(await clients[1].getLevel(capability)).toEqual({ value: sampleWriteLevelRecord(capability, last.index + 1), revision: last.revision });
      });
    });
  });

  describe("watchLevels", () => {
    test("delivers every current record, then each change made on another client in revision order", async () => {
      const { plane } = context;
      const peer = await context.peer();
      const revisions = new Map<string, number>();
      const set = async (client: ControlPlane, capability: string, level: number): Promise<void> => {
        revisions.set(capability, await client.compareAndSetLevel(sampleWriteLevelRecord(capability, level), revisions.get(capability) ?? 0));
      };
      await set(plane, "orders.OrderPlaced", 1);
      await set(plane, "compression.zstd", 0);
      await set(plane, "orders.OrderPlaced", 2);
      const seen: Versioned<WriteLevelRecord>[] = [];
      const subscription = await plane.watchLevels((record) => seen.push(record));
      const current = [
        { value: sampleWriteLevelRecord("orders.OrderPlaced", 2), revision: revisions.get("orders.OrderPlaced")! },
        { value: sampleWriteLevelRecord("compression.zstd", 0), revision: revisions.get("compression.zstd")! },
      ];
      await eventually(() => expect(sortByCapability(seen)).toEqual(sortByCapability(current)));
      await set(peer, "compression.zstd", 1);
      await set(peer, "订单", 1);
      await set(peer, "orders.OrderPlaced", 3);
      const changes = [
        { value: sampleWriteLevelRecord("compression.zstd", 1), revision: revisions.get("compression.zstd")! },
        { value: sampleWriteLevelRecord("订单", 1), revision: revisions.get("订单")! },
        { value: sampleWriteLevelRecord("orders.OrderPlaced", 3), revision: revisions.get("orders.OrderPlaced")! },
      ];
      await eventually(() => expect(seen.slice(2)).toEqual(changes));
      expect(changes.map((change) => change.revision)).toEqual(changes.map((change) => change.revision).sort((a, b) => a - b));
      await subscription.stop();
    });

    test("stop() stops delivery and may be called twice; a watcher that throws does not stop delivery", async () => {
      const { plane, time } = context;
      const stopped: number[] = [];
      const throwing: number[] = [];
      const first = await plane.watchLevels((record) => stopped.push(record.revision));
      const second = await plane.watchLevels((record) => {
        throwing.push(record.revision);
        throw new Error("a watcher's own bug");
      });
      const one = await plane.compareAndSetLevel(sampleWriteLevelRecord("orders.OrderPlaced", 1), 0);
      await eventually(() => expect(stopped).toEqual([one]));
      await first.stop();
      await first.stop();
      const two = await plane.compareAndSetLevel(sampleWriteLevelRecord("orders.OrderPlaced", 2), one);
      await eventually(() => expect(throwing).toEqual([one, two]));
      await new Promise((resolve) => setTimeout(resolve, time.quietMs));
      expect(stopped).toEqual([one]);
      await second.stop();
    });
  });
}

function sortByCapability(records: readonly Versioned<WriteLevelRecord>[]): Versioned<WriteLevelRecord>[] {
  return [...records].sort((a, b) => (a.value.capability < b.value.capability ? -1 : a.value.capability > b.value.capability ? 1 : 0));
}

/** One race of {@link forAllRaces}: `count` actors on a fresh capability whose revision is `base` (0: no record yet). */
interface Race {
  readonly scheduler: fc.Scheduler;
  readonly count: number;
  readonly capability: string;
  readonly base: number;
  readonly clients: readonly [ControlPlane, ControlPlane];
}

/** Runs `race` as a property over interleavings, 2 to `maxActors` actors, and a record that exists before or not. */
async function forAllRaces(context: ContractContext, maxActors: number, race: (setup: Race) => Promise<void>): Promise<void> {
  const clients = [context.plane, await context.peer()] as const;
  await fc.assert(
    fc.asyncProperty(fc.scheduler(), fc.integer({ min: 2, max: maxActors }), fc.boolean(), async (scheduler, count, exists) => {
      const capability = freshName("race");
      const base = exists ? await clients[0].compareAndSetLevel(sampleWriteLevelRecord(capability, 0), 0) : 0;
      await race({ scheduler, count, capability, base, clients });
    }),
    { numRuns: context.runs },
  );
}
