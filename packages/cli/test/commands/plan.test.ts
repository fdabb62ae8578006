import { describe, expect, test } from "vitest";
import { ORDERS, type TestFleet, useFleets, WHO } from "../support/memory-fleet.js";
import { manifestDeclaring, useTempFiles } from "../support/temp-files.js";

const newFleet = useFleets();
const files = useTempFiles();
const INVOICE = "billing.InvoiceSent";

/** 3 nodes on orders@2.0.0 (v1..v2) in zone a, 2 on orders@1.4.0 (v1) in zone b, v1 enabled. */
async function mixed(): Promise<TestFleet> {
  const fleet = newFleet();
  await fleet.add({ prefix: "new-", count: 3, service: "orders", build: "orders@2.0.0", reads: 2, labels: { zone: "a" } });
  await fleet.add({ prefix: "old-", count: 2, service: "orders", build: "orders@1.4.0", reads: 1, labels: { zone: "b" } });
  await fleet.coordinator().enableWrite(ORDERS, 1, WHO);
  return fleet;
}

/** Nodes that take part only in orders.OrderPlaced: a new capability needs nothing of them. */
async function ordersOnly(): Promise<TestFleet> {
  const fleet = newFleet();
  await fleet.add({ prefix: "n-", count: 2, service: "orders", build: "orders@2.0.0", reads: 2, uses: [ORDERS] });
  return fleet;
}

describe("plan", () => {
  test("shows what enabling would do, how many members take part, and the verdict; exit 0 when allowed", async () => {
    const fleet = newFleet();
    await fleet.add({ prefix: "n-", count: 3, service: "orders", build: "orders@2.0.0", reads: 2 });
    const run = await fleet.run(["plan", ORDERS, "v1"]);
    expect(run.code).toBe(0);
    expect(run.stdout.split("\n").slice(0, 6)).toEqual([
      "Plan for orders.OrderPlaced: enable v1",
      "  now       writes closed: nothing enabled",
      "  after     writes v1",
      "  requires  every member to read v1",
      "  members   3 take part",
      "  allowed: no member and no rule stands in its way",
    ]);
  });

  test("exits 1 while it would be refused, with the blockers grouped, and records nothing", async () => {
    const fleet = await mixed();
    const before = await fleet.coordinator().history();
    const run = await fleet.run(["plan", ORDERS, "2", "--percent", "10", "--by", "node"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("Plan for orders.OrderPlaced: enable v2 at 10% by node");
    expect(run.stdout).toContain("after     writes v1, ramp to v2 at 10% by node");
    expect(run.stdout).toContain("would be refused: blocked by 2 members:");
    expect(run.stdout).toContain("2 × no reader of v2 in build orders@1.4.0 (service orders): old-1, old-2");
    expect(await fleet.coordinator().history()).toEqual(before);
  });

  test("--where chooses writers by labels; readers stay fleet-wide", async () => {
    const fleet = await mixed();
    const run = await fleet.run(["plan", ORDERS, "2", "--percent", "100", "--where", "zone=a", "--where", "tier=web"]);
    expect(run.stdout).toContain("Plan for orders.OrderPlaced: enable v2 where zone=a tier=web");
    expect(run.stdout).toContain("after     writes v1, ramp to v2 on every node where zone=a tier=web");
    // The nodes of zone b write no v2, but must read it all the same.
    expect(run.stdout).toContain("2 × no reader of v2 in build orders@1.4.0 (service orders): old-1, old-2");
    expect(run.code).toBe(1);
  });

  test("--json has the documented shape", async () => {
    const fleet = await mixed();
    const { run, output } = await fleet.json(["plan", ORDERS, "2"]);
    expect(run.code).toBe(1);
    expect(Object.keys(output)).toEqual([
      "capability",
      "request",
      "revision",
      "current",
      "next",
      "newlyRequired",
      "participants",
      "changes",
      "allowed",
      "problems",
      "blockers",
      "blockerGroups",
    ]);
    expect(output).toMatchObject({
      capability: ORDERS,
      request: "enable v2",
      revision: expect.any(Number),
      current: { level: 1 },
      next: { level: 2, everWritten: [1, 2] },
      newlyRequired: [2],
      participants: 5,
      changes: true,
      allowed: false,
      problems: [],
      blockers: [
        { nodeId: "old-1", reason: "no-reader" },
        { nodeId: "old-2", reason: "no-reader" },
      ],
    });
  });

  test("says loudly that 0 members take part, and the problem besides blockers: an undeclared capability (a typo)", async () => {
    const fleet = await ordersOnly();
    const run = await fleet.run(["plan", "orders.OrderPlacd", "2"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      "  warning: 0 members take part in orders.OrderPlacd: no member's build declares it (a typo in the name, or a capability no build has shipped yet?)",
    );
    expect(run.stdout).toContain("  problem: no member, and no manifest given, declares orders.OrderPlacd v2: check the name and the level;");
    expect(run.stdout).toContain("  would be refused: the problem above");
    const { output } = await fleet.json(["plan", "orders.OrderPlacd", "2"]);
    expect(output).toMatchObject({ participants: 0, allowed: false, blockers: [], problems: [expect.stringContaining("no manifest given, declares")] });
  });

  test("levels the manifest declares count as declared; so do all with --allow-undeclared", async () => {
    const fleet = await ordersOnly();
    const manifest = await files.file("twostep.json", manifestDeclaring(INVOICE, 2));
    const declared = await fleet.run(["plan", INVOICE, "1", "--manifest", manifest]);
    expect(declared.code).toBe(0);
    expect(declared.stdout).toContain("warning: 0 members take part in billing.InvoiceSent");
    expect(declared.stdout).toContain("allowed: no member and no rule stands in its way");
    expect((await fleet.run(["plan", INVOICE, "3", "--manifest", manifest])).code).toBe(1);
    expect((await fleet.run(["plan", INVOICE, "3", "--allow-undeclared"])).code).toBe(0);
  });

  test("a manifest that cannot be read or is not valid, or a label without =, is a usage error before connecting", async () => {
    const fleet = await ordersOnly();
    const missing = await fleet.run(["plan", INVOICE, "1", "--manifest", `${files.dir()}/nope.json`]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("cannot read the manifest");
    expect(missing.stderr).toContain("(ENOENT): check the path given to --manifest");
    const invalid = await fleet.run(["plan", INVOICE, "1", "--manifest", await files.file("bad.json", { format: 1, types: "none" }), "--json"]);
    expect(invalid.code).toBe(2);
    expect(JSON.parse(invalid.stdout)).toMatchObject({ error: { code: "INVALID_MANIFEST", exitCode: 2 } });
    expect(invalid.stderr).toContain("bad.json: types:");
    const label = await fleet.run(["plan", INVOICE, "1", "--where", "zone"]);
    expect(label.code).toBe(2);
    expect(label.stderr).toContain("give a label as name=value");
    expect([...missing.connections, ...invalid.connections, ...label.connections]).toEqual([]);
  });
});
