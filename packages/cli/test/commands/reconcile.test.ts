import { describe, expect, test } from "vitest";
import { ORDERS, type TestFleet, useFleets, WHO } from "../support/memory-fleet.js";

const newFleet = useFleets();

/** A node applied v2, then the store was restored from a backup taken at v1: it went backwards. */
async function regressed(): Promise<TestFleet> {
  const fleet = newFleet();
  await fleet.add({ prefix: "a-", count: 1, service: "orders", build: "orders@2.0.0", reads: 2 });
  await fleet.regressStore();
  return fleet;
}

/** The stored record of orders.OrderPlaced is replaced by bytes no twostep can read. */
async function damaged(): Promise<TestFleet> {
  const fleet = newFleet();
  await fleet.add({ prefix: "a-", count: 1, service: "orders", build: "orders@2.0.0", reads: 2 });
  await fleet.coordinator().enableWrite(ORDERS, 1, WHO);
  await fleet.coordinator().enableWrite(ORDERS, 2, WHO);
  const stored = await fleet.plane.get({ kind: "level", capability: ORDERS });
  await fleet.plane.append({ kind: "level", capability: ORDERS }, new TextEncoder().encode("{broken"), { expect: stored?.revision ?? 0 });
  await fleet.heartbeat();
  return fleet;
}

describe("a store that went backwards", () => {
  test("status shows the evidence and that changes wait for reconcile; changes are refused with exit 1", async () => {
    const fleet = await regressed();
    const status = await fleet.run(["status"]);
    expect(status.stdout).toContain("  the store went backwards: changes wait for twostep reconcile; nodes keep writing by what they applied");
    expect(status.stdout).toMatch(/ {4}- a-1@[0-9a-f]{8} /);
    const { output } = await fleet.json(["status"]);
    expect((output["plane"] as { regressed: string[] }).regressed.length).toBeGreaterThan(0);
    const refused = await fleet.run(["enable-write", ORDERS, "2", "--reason", "again", "--yes", "--json"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("refused: the control plane's store went backwards");
    expect(refused.stderr).toContain("Run `twostep reconcile`");
    expect(JSON.parse(refused.stdout)).toMatchObject({ error: { code: "STORE_REGRESSED", exitCode: 1, evidence: [expect.stringContaining("a-1@")] } });
  });

  test("reconcile shows the evidence, asks, and reports the records rebuilt and the new epoch", async () => {
    const fleet = await regressed();
    const dry = await fleet.run(["reconcile", "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^Plan: reconcile control plane [0-9a-f-]{36} \(epoch 1\)\n {2}the store went backwards:\n {4}- a-1@/);
    expect(dry.stdout).toContain("and move the control plane to a new epoch (above 1), which nodes take as the new truth");
    const declined = await fleet.run(["reconcile", "--reason", "restored"], { stdinTTY: true, answers: [false] });
    expect(declined.code).toBe(1);
    const run = await fleet.run(["reconcile", "--reason", "store restored from backup"], { stdinTTY: true, answers: [true] });
    expect(run.questions).toEqual(["reconcile the control plane?"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("done: the control plane is at epoch 2 now\n  rebuilt 1 record: orders.OrderPlaced\n  from the evidence:\n    - a-1@");
    await fleet.heartbeat();
    const status = await fleet.coordinator().status(ORDERS);
    expect(status.plane).toMatchObject({ epoch: 2, regressed: [] });
    expect(status.capabilities[0]?.record).toMatchObject({ level: 2, everWritten: [1, 2] });
    expect((await fleet.run(["history", ORDERS])).stdout).toMatch(/tester\s+reconcile\s+orders\.OrderPlaced\s+reconcile/);
  });
});

describe("a record that cannot be read", () => {
  test("status says so and never as writes closed; changes are refused with exit 1; reconcile rebuilds it", async () => {
    const fleet = await damaged();
    const status = await fleet.run(["status", ORDERS]);
    expect(status.stdout).toContain("1 record cannot be read (none is taken as absent; changes to them are refused):");
    expect(status.stdout).toMatch(/record {8}cannot be read: .*; writers keep what they applied, changes are refused \(twostep reconcile rebuilds it\)/);
    expect(status.stdout).not.toContain("writes closed");
    const { output } = await fleet.json(["status", ORDERS]);
    expect((output["capabilities"] as unknown[])[0]).toMatchObject({ record: null, writes: "unreadable", problem: expect.any(String) });
    const refused = await fleet.run(["disable-write", ORDERS, "--reason", "r", "--yes", "--json"]);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ error: { code: "RECORD_UNREADABLE", exitCode: 1 } });
    expect(refused.stderr).toContain("twostep reconcile rebuilds it");
    const { run, output: reconciled } = await fleet.json(["reconcile", "--reason", "damaged record", "--yes"]);
    expect(run.code).toBe(0);
    expect(reconciled).toMatchObject({ plan: { unreadable: [expect.stringContaining(ORDERS)] }, change: { epoch: 2, records: [ORDERS], evidence: [] } });
    expect((await fleet.coordinator().status(ORDERS)).capabilities[0]?.record).toMatchObject({ level: 2, everWritten: [1, 2] });
  });

  test("history shows the entry that cannot be read with its problem, never drops it", async () => {
    const fleet = await damaged();
    const history = await fleet.run(["history", ORDERS]);
    expect(history.stdout).toMatch(
      /\?\s+unreadable\s+orders\.OrderPlaced\s+level orders\.OrderPlaced\s+rev 0→\d+\s+cannot be read: level orders\.OrderPlaced: /,
    );
    const { output } = await fleet.json(["history", ORDERS]);
    expect((output["entries"] as { problem: string | null }[]).at(-1)?.problem).toContain("level orders.OrderPlaced");
  });
});

test("with nothing to reconcile it says so and changes nothing", async () => {
  const fleet = newFleet();
  await fleet.add({ prefix: "a-", count: 1, service: "orders", build: "orders@2.0.0", reads: 2 });
  await fleet.coordinator().enableWrite(ORDERS, 1, WHO);
  const before = await fleet.coordinator().history();
  const run = await fleet.run(["reconcile", "--reason", "just in case", "--yes"]);
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(
    /^nothing to reconcile in control plane [0-9a-f-]{36} \(epoch 1\): its store has not gone backwards and every record can be read\nnothing changed\n$/,
  );
  expect(await fleet.coordinator().history()).toEqual(before);
});
