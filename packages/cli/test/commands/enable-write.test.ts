import { describe, expect, test } from "vitest";
import { ORDERS, type TestFleet, useFleets } from "../support/memory-fleet.js";
import { manifestDeclaring, useTempFiles } from "../support/temp-files.js";

const newFleet = useFleets();
const files = useTempFiles();
const INVOICE = "billing.InvoiceSent";
const change = ["--reason", "rollout", "--yes"];

async function zones(): Promise<TestFleet> {
  const fleet = newFleet();
  await fleet.add({ prefix: "a-", count: 2, service: "orders", build: "orders@2.0.0", reads: 2, labels: { zone: "a", tier: "web" } });
  await fleet.add({ prefix: "b-", count: 2, service: "orders", build: "orders@2.0.0", reads: 2, labels: { zone: "b", tier: "web" } });
  return fleet;
}

async function record(fleet: TestFleet, capability = ORDERS) {
  return (await fleet.coordinator().status(capability)).capabilities[0]?.record ?? null;
}

describe("enable-write", () => {
  test("sets the level, then ramps to the next one for the nodes whose labels match --where", async () => {
    const fleet = await zones();
    expect((await fleet.run(["enable-write", ORDERS, "1", ...change])).code).toBe(0);
    const wave = await fleet.run(["enable-write", ORDERS, "2", "--percent", "100", "--where", "zone=a", "--where", "tier=web", ...change]);
    expect(wave.code).toBe(0);
    expect(wave.stdout).toMatch(/done: enable v2 where zone=a tier=web of orders\.OrderPlaced, rev \d+→\d+, recorded as tester: "rollout"/);
    expect(wave.stdout).toContain("now writes v1, ramp to v2 on every node where zone=a tier=web");
    expect((await record(fleet))?.ramp).toEqual({ to: 2, percent: 100, by: "key", where: { zone: ["a"], tier: ["web"] } });
    await fleet.settle();
    expect(fleet.nodes.map((node) => node.writeLevel(ORDERS))).toEqual([2, 2, 1, 1]);
  });

  test("--json gives the plan and the change with its audit note", async () => {
    const fleet = await zones();
    const { run, output } = await fleet.json(["enable-write", ORDERS, "1", "--reason", "first", "--actor", "alice", "--yes"]);
    expect(run.code).toBe(0);
    expect(output).toMatchObject({
      dryRun: false,
      plan: { capability: ORDERS, request: "enable v1", allowed: true, participants: 4 },
      change: {
        capability: ORDERS,
        request: "enable v1",
        changed: true,
        revisionBefore: 0,
        revisionAfter: expect.any(Number),
        before: null,
        after: { level: 1, everWritten: [1] },
        note: { action: "enable-write", actor: "alice", reason: "first", request: "enable v1", blockerCount: 0 },
      },
    });
  });

  test("a capability nothing declares is refused and recorded (exit 1); with the manifest that declares it, or --allow-undeclared, it goes through", async () => {
    const fleet = newFleet();
    await fleet.add({ prefix: "n-", count: 2, service: "orders", build: "orders@2.0.0", reads: 2, uses: [ORDERS] });
    const refused = await fleet.run(["enable-write", INVOICE, "1", ...change]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("refused: enable v1 of billing.InvoiceSent: no member, and no manifest given, declares billing.InvoiceSent v1");
    expect((await fleet.coordinator().history({ capability: INVOICE })).map((entry) => entry.note.action)).toEqual(["refused"]);
    const manifest = await files.file("twostep.json", manifestDeclaring(INVOICE, 2));
    const declared = await fleet.run(["enable-write", INVOICE, "1", "--manifest", manifest, ...change]);
    expect(declared.code).toBe(0);
    expect((await record(fleet, INVOICE))?.level).toBe(1);
    expect((await fleet.run(["enable-write", INVOICE, "5", "--allow-undeclared", ...change])).code).toBe(0);
    expect((await record(fleet, INVOICE))?.level).toBe(5);
  });

  test("a ramp without a write level to ramp from is a usage error", async () => {
    const fleet = await zones();
    const run = await fleet.run(["enable-write", ORDERS, "2", "--percent", "10", ...change]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("has no write level yet, so there is nothing to ramp from");
  });
});
