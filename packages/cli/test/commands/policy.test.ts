import { describe, expect, test } from "vitest";
import { ORDERS, type TestFleet, useFleets, WHO } from "../support/memory-fleet.js";

const newFleet = useFleets();
const change = ["--reason", "queues drain in minutes", "--yes"];

async function drainWindow(fleet: TestFleet): Promise<number | undefined> {
  return (await fleet.coordinator().status(ORDERS)).capabilities[0]?.drainWindowMs;
}

describe("policy", () => {
  test("stores the drain window (90s, 30m, 1h, ms), shown by status, and default restores the default", async () => {
    const fleet = newFleet();
    await fleet.add({ prefix: "n-", count: 1, service: "orders", build: "orders@2.0.0", reads: 2 });
    await fleet.coordinator().enableWrite(ORDERS, 1, WHO);
    const dry = await fleet.run(["policy", ORDERS, "--drain-window", "30m", "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("Plan for orders.OrderPlaced: drain window: 1800000 ms");
    expect(dry.stdout).toContain("drain window  1 h (default) → 30 min");
    for (const [given, ms] of [
      ["90s", 90_000],
      ["30m", 1_800_000],
      ["2h", 7_200_000],
      ["1500ms", 1_500],
    ] as const) {
      expect((await fleet.run(["policy", ORDERS, "--drain-window", given, ...change])).code).toBe(0);
      expect(await drainWindow(fleet)).toBe(ms);
    }
    expect((await fleet.run(["status", ORDERS])).stdout).toContain("drain window  1500 ms");
    const { output } = await fleet.json(["policy", ORDERS, "--drain-window", "default", ...change]);
    expect(output).toMatchObject({ change: { request: "drain window: default", after: { policy: { drainWindowMs: null } }, note: { action: "policy" } } });
    expect((await fleet.run(["status", ORDERS])).stdout).toContain("drain window  1 h (default)");
  });

  test("--drain-window is required and must be a duration; the same window again changes nothing", async () => {
    const fleet = newFleet();
    await fleet.add({ prefix: "n-", count: 1, service: "orders", build: "orders@2.0.0", reads: 2 });
    const missing = await fleet.run(["policy", ORDERS, ...change]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--drain-window <duration>' not specified");
    const bad = await fleet.run(["policy", ORDERS, "--drain-window", "90", ...change]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("give a duration such as 90s, 30m, 1h or 500ms");
    expect((await fleet.run(["policy", ORDERS, "--drain-window", "1h", ...change])).code).toBe(0);
    const again = await fleet.run(["policy", ORDERS, "--drain-window", "60m", ...change]);
    expect(again.stdout).toContain("already in force");
  });
});
