import { describe, expect, test } from "vitest";
import { ORDERS, useFleets, WHO } from "../support/memory-fleet.js";

const newFleet = useFleets();
const change = ["--reason", "roll back", "--yes"];

describe("disable-write", () => {
  test("drops a ramp, then rolls the level back; the level left stays required", async () => {
    const fleet = newFleet();
    await fleet.add({ prefix: "n-", count: 3, service: "orders", build: "orders@2.0.0", reads: 2 });
    const coordinator = fleet.coordinator();
    await coordinator.enableWrite(ORDERS, 1, WHO);
    await coordinator.enableWrite(ORDERS, 2, { ...WHO, percent: 10, by: "node" });
    const drop = await fleet.run(["disable-write", ORDERS, ...change]);
    expect(drop.code).toBe(0);
    expect(drop.stdout).toMatch(/done: disable-write of orders\.OrderPlaced, rev \d+→\d+, recorded as tester: "roll back"\n {2}now writes v1\n/);
    await coordinator.enableWrite(ORDERS, 2, WHO);
    const { run, output } = await fleet.json(["disable-write", ORDERS, "--to", "v1", ...change]);
    expect(run.code).toBe(0);
    expect(output).toMatchObject({
      plan: { request: "disable-write to v1", allowed: true },
      change: { changed: true, after: { level: 1, everWritten: [1, 2] }, note: { action: "disable-write" } },
    });
    const status = await fleet.run(["status", ORDERS]);
    expect(status.stdout).toContain("levels        ever written v1, v2   retired none   required v1, v2");
  });

  test("with nothing enabled it is a usage error; --dry-run says what it would do", async () => {
    const fleet = newFleet();
    await fleet.add({ prefix: "n-", count: 1, service: "orders", build: "orders@2.0.0", reads: 2 });
    const nothing = await fleet.run(["disable-write", ORDERS, ...change]);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain("has no write level: nothing was ever enabled");
    await fleet.coordinator().enableWrite(ORDERS, 2, WHO);
    const dry = await fleet.run(["disable-write", ORDERS, "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("after     writes v1");
    expect(dry.stdout).toContain("dry run: nothing changed");
    expect((await fleet.coordinator().status(ORDERS)).capabilities[0]?.record?.level).toBe(2);
  });
});
