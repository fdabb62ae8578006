import { describe, expect, test } from "vitest";
import { ORDERS, type TestFleet, useFleets, WHO } from "../support/memory-fleet.js";

const newFleet = useFleets();
const change = ["--reason", "v2 everywhere", "--yes"];

/** Two nodes that read and write v1..v2, moved from v1 to v2. */
async function movedToV2(): Promise<TestFleet> {
  const fleet = newFleet();
  await fleet.add({ prefix: "n-", count: 2, service: "orders", build: "orders@2.0.0", reads: 2 });
  await fleet.coordinator().enableWrite(ORDERS, 1, WHO);
  await fleet.coordinator().enableWrite(ORDERS, 2, WHO);
  await fleet.heartbeat();
  return fleet;
}

describe("retire", () => {
  test("is refused inside the drain window (exit 1, the problem says until when) and allowed after it", async () => {
    const fleet = await movedToV2();
    const dry = await fleet.run(["retire", ORDERS, "1", "--dry-run"]);
    expect(dry.code).toBe(1);
    expect(dry.stdout).toContain("retires   v1: builds may drop its reader");
    expect(dry.stdout).toMatch(/problem: orders\.OrderPlaced v1 may have been written until .*; its drain window ends at .*, retry then/);
    const early = await fleet.run(["retire", ORDERS, "1", ...change]);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain("drain window ends at");
    await fleet.advance(3_600_001);
    const late = await fleet.run(["retire", ORDERS, "1", ...change]);
    expect(late.code).toBe(0);
    expect(late.stdout).toMatch(/done: retire v1 of orders\.OrderPlaced/);
    expect((await fleet.coordinator().status(ORDERS)).capabilities[0]?.record?.retired).toEqual([1]);
  });

  test("a member without a live heartbeat blocks it until it is decommissioned", async () => {
    const fleet = await movedToV2();
    fleet.silence("n-2");
    await fleet.advance(3_600_001);
    const { run, output } = await fleet.json(["retire", ORDERS, "1", "--dry-run"]);
    expect(run.code).toBe(1);
    expect(output).toMatchObject({ dryRun: true, plan: { allowed: false, blockers: [{ nodeId: "n-2", reason: "stale" }] } });
    const text = await fleet.run(["retire", ORDERS, "1", "--dry-run"]);
    expect(text.stdout).toContain("1 × no live heartbeat (last 60 min ago) in build orders@2.0.0 (service orders): n-2");
    expect(text.stdout).toContain("→ restart nodes without a live heartbeat, or remove the ones that are gone once their lease expired");
  });

  test("a level still written is refused", async () => {
    const fleet = await movedToV2();
    const run = await fleet.run(["retire", ORDERS, "2", ...change]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("orders.OrderPlaced v2 is still written");
  });
});
