import { describe, expect, test } from "vitest";
import { ORDERS, type TestFleet, useFleets, WHO } from "../support/memory-fleet.js";

const newFleet = useFleets();

/** Enabled v1 and v2, a refused change, a policy, a decommission. */
async function eventful(): Promise<TestFleet> {
  const fleet = newFleet();
  await fleet.add({ prefix: "new-", count: 2, service: "orders", build: "orders@2.0.0", reads: 2 });
  await fleet.add({ prefix: "old-", count: 1, service: "orders", build: "orders@1.4.0", reads: 1 });
  const coordinator = fleet.coordinator();
  await coordinator.enableWrite(ORDERS, 1, WHO);
  await coordinator.enableWrite(ORDERS, 2, { actor: "bob", reason: "canary", percent: 10 }).catch(() => {});
  await coordinator.change(ORDERS, { kind: "policy", drainWindowMs: 600_000 }, { actor: "carol", reason: "short queues" });
  fleet.silence("old-1");
  await fleet.advance(25_000);
  await coordinator.decommission("old-1", { actor: "dave", reason: "host retired" });
  return fleet;
}

describe("history", () => {
  test("lists intents, changes, refusals with their blockers, policy and decommissions, oldest first", async () => {
    const fleet = await eventful();
    const { code, stdout } = await fleet.run(["history"]);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^WHEN\s+WHO\s+ACTION\s+OF\s+REQUEST\s+REVISION\s+WHY$/);
    expect(lines.slice(1).map((line) => line.split(/\s{2,}/).slice(1, 5))).toEqual([
      ["alice", "init", "control plane", "init"],
      ["alice", "intent", ORDERS, "enable v1"],
      ["alice", "enable-write", ORDERS, "enable v1"],
      ["bob", "refused", ORDERS, "enable v2 at 10% by key"],
      ["1 × no reader of v2 in build orders@1.4.0 (service orders): old-1"],
      ["carol", "policy", ORDERS, "drain window: 600000 ms"],
      ["dave", "decommission", "node old-1", "decommission old-1"],
    ]);
    expect(stdout).toMatch(/bob\s+refused\s+orders\.OrderPlaced\s+enable v2 at 10% by key\s+rev \d+\s+"canary"/);
    expect(stdout).toMatch(/alice\s+enable-write\s+orders\.OrderPlaced\s+enable v1\s+rev 0→\d+\s+"first rollout"/);
  });

  test("of one capability, the last --limit entries; --json in the documented shape", async () => {
    const fleet = await eventful();
    const { run, output } = await fleet.json(["history", ORDERS, "--limit", "2"]);
    expect(run.code).toBe(0);
    expect(output).toMatchObject({
      format: 2,
      entries: [
        {
          capability: ORDERS,
          nodeId: null,
          problem: null,
          note: { action: "refused", actor: "bob", blockerCount: 1, blockers: [{ nodeId: "old-1" }] },
          before: null,
          after: null,
        },
        { capability: ORDERS, note: { action: "policy", actor: "carol", reason: "short queues" }, after: { policy: { drainWindowMs: 600_000 } } },
      ],
    });
    const entry = (output["entries"] as Record<string, unknown>[])[1];
    expect(Object.keys(entry ?? {})).toEqual(["storedAt", "revision", "capability", "nodeId", "before", "after", "problem", "note"]);
  });

  test("an empty history says so", async () => {
    const fleet = newFleet();
    expect((await fleet.run(["history"])).stdout).toBe("No recorded changes yet.\n");
    expect((await fleet.json(["history"])).output).toEqual({ format: 2, entries: [] });
  });
});
