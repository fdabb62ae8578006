import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { ORDERS, type TestFleet, useFleets } from "../support/memory-fleet.js";
import { manifestDeclaring, useTempFiles } from "../support/temp-files.js";

const newFleet = useFleets();
const files = useTempFiles();
const INVOICE = "billing.InvoiceSent";

async function fleetReadingV2(): Promise<TestFleet> {
  const fleet = newFleet();
  await fleet.add({
    prefix: "n-",
    count: 3,
    service: "orders",
    build: "orders@2.0.0",
    reads: 2,
    labels: { zone: "a" },
    features: { [INVOICE]: { reads: { min: 1, max: 3 }, writes: { min: 1, max: 3 } } },
  });
  return fleet;
}

async function recordOf(fleet: TestFleet, capability: string) {
  return (await fleet.coordinator().status(capability)).capabilities[0]?.record ?? null;
}

describe("the apply file", () => {
  test.each([
    ["not JSON", "{ format: 1", "not JSON"],
    [
      "a wrong type, with its path",
      { format: 1, levels: { [ORDERS]: { write: "2" } } },
      'levels["orders.OrderPlaced"].write: Invalid input: expected number, received string',
    ],
    ["an unknown key", { format: 1, levels: { [ORDERS]: { wirte: 2 } } }, 'levels["orders.OrderPlaced"]: Unrecognized key: "wirte"'],
    ["a percent out of range", { format: 1, levels: { "x.Y": { write: 2, percent: 0 } } }, 'levels["x.Y"].percent: Too small'],
    ["by without a ramp", { format: 1, levels: { "x.Y": { write: 2, by: "node" } } }, 'levels["x.Y"].by: applies only to a ramp'],
    ["labels that are not strings", { format: 1, levels: { "x.Y": { write: 2, where: { zone: 1 } } } }, 'levels["x.Y"].where.zone: Invalid input'],
    ["another format", { format: 2, levels: {} }, "format: Invalid input: expected 1"],
  ])("rejects %s with exit 2, before connecting", async (_, content, message) => {
    const fleet = newFleet();
    const run = await fleet.run(["apply", await files.file("levels.json", content), "--reason", "r", "--yes"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("is not a valid twostep apply file");
    expect(run.stderr).toContain(message);
    expect(run.connections).toEqual([]);
  });

  test("a missing file is a usage error", async () => {
    const fleet = newFleet();
    const run = await fleet.run(["apply", join(files.dir(), "nope.json"), "--dry-run"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("cannot read it (ENOENT)");
  });
});

describe("applying", () => {
  test("is idempotent: a second apply changes nothing and says so", async () => {
    const fleet = await fleetReadingV2();
    const levels = await files.file("levels.json", { format: 1, levels: { [ORDERS]: { write: 1 }, [INVOICE]: { write: 2 } } });
    const first = await fleet.run(["apply", levels, "--reason", "release 42", "--yes"]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("2 to change, 0 already in force");
    expect(first.stdout).toMatch(/done: enable v2 of billing\.InvoiceSent, rev 0→\d+, recorded as tester: "release 42"/);
    expect(first.stdout).toContain("applied 2, already in force 0, refused 0");
    expect((await recordOf(fleet, INVOICE))?.level).toBe(2);
    const recorded = (await fleet.coordinator().history()).length;
    const second = await fleet.run(["apply", levels, "--reason", "release 42", "--yes"]);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`nothing to apply: every level in ${levels} is already in force`);
    expect(await fleet.coordinator().history()).toHaveLength(recorded);
  });

  test("ramps with percent, by and where; --dry-run changes nothing", async () => {
    const fleet = await fleetReadingV2();
    await fleet.run(["enable-write", ORDERS, "1", "--reason", "first", "--yes"]);
    const levels = await files.file("levels.json", { format: 1, levels: { [ORDERS]: { write: 2, percent: 10, by: "node", where: { zone: "a" } } } });
    const dry = await fleet.json(["apply", levels, "--dry-run"]);
    expect(dry.run.code).toBe(0);
    expect(dry.output).toMatchObject({
      dryRun: true,
      change: null,
      plan: { file: levels, plans: [{ request: "enable v2 at 10% by node where zone=a", allowed: true, participants: 3 }] },
    });
    expect((await recordOf(fleet, ORDERS))?.ramp).toBeNull();
    const applied = await fleet.json(["apply", levels, "--reason", "canary", "--yes"]);
    expect(applied.run.code).toBe(0);
    expect(applied.output["change"]).toMatchObject({
      changed: 1,
      inForce: 0,
      refused: 0,
      results: [{ capability: ORDERS, outcome: "changed", change: { note: { action: "enable-write" } }, error: null }],
    });
    expect((await recordOf(fleet, ORDERS))?.ramp).toEqual({ to: 2, percent: 10, by: "node", where: { zone: ["a"] } });
  });

  test("a refused capability is reported and recorded, the others applied, exit 1", async () => {
    const fleet = await fleetReadingV2();
    const levels = await files.file("levels.json", { format: 1, levels: { [ORDERS]: { write: 3 }, [INVOICE]: { write: 3 } } });
    const run = await fleet.run(["apply", levels, "--reason", "r"], { stdinTTY: true, answers: [true] });
    expect(run.questions).toEqual([`apply ${levels}?`]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("refused: enable v3 of orders.OrderPlaced: no member, and no manifest given, declares orders.OrderPlaced v3");
    expect(run.stdout).toContain("3 × no reader of v3 in build orders@2.0.0 (service orders): n-1, n-2, n-3");
    expect(run.stdout).toContain("applied 1, already in force 0, refused 1");
    expect((await recordOf(fleet, INVOICE))?.level).toBe(3);
    const actions = (await fleet.coordinator().history()).map((entry) => [entry.capability, entry.note.action]);
    expect(actions.filter(([, action]) => action === "refused" || action === "enable-write")).toEqual([
      [ORDERS, "refused"],
      [INVOICE, "enable-write"],
    ]);
  });

  test("--manifest declares the levels of a capability no member runs yet", async () => {
    const fleet = newFleet();
    await fleet.add({ prefix: "n-", count: 1, service: "orders", build: "orders@2.0.0", reads: 2, uses: [ORDERS] });
    const levels = await files.file("levels.json", { format: 1, levels: { "shipping.Shipped": { write: 1 } } });
    const refused = await fleet.run(["apply", levels, "--dry-run"]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain("problem: no member, and no manifest given, declares shipping.Shipped v1");
    const manifest = await files.file("twostep.json", manifestDeclaring("shipping.Shipped", 1));
    const run = await fleet.run(["apply", levels, "--manifest", manifest, "--reason", "new type", "--yes"]);
    expect(run.code).toBe(0);
    expect((await recordOf(fleet, "shipping.Shipped"))?.level).toBe(1);
  });
});
