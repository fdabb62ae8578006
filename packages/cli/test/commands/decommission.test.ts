import { describe, expect, test } from "vitest";
import { ORDERS, type TestFleet, useFleets, WHO } from "../support/memory-fleet.js";

const newFleet = useFleets();
const change = ["--reason", "host retired, INC-42", "--yes"];

async function withGone(): Promise<TestFleet> {
  const fleet = newFleet();
  await fleet.add({ prefix: "live-", count: 1, service: "orders", build: "orders@2.0.0", reads: 2 });
  await fleet.add({ prefix: "old-", count: 1, service: "orders", build: "orders@1.4.0", reads: 1 });
  await fleet.coordinator().enableWrite(ORDERS, 1, WHO);
  fleet.silence("old-1");
  return fleet;
}

async function nodeIds(fleet: TestFleet): Promise<string[]> {
  return (await fleet.coordinator().status()).members.map((member) => member.nodeId);
}

describe("decommission", () => {
  test("a member whose lease may still run is refused (exit 1): live, then stale; the dry run says so", async () => {
    const fleet = await withGone();
    const live = await fleet.run(["decommission", "old-1", ...change]);
    expect(live.code).toBe(1);
    expect(live.stderr).toContain("refused: old-1 may still be running");
    expect(live.stderr).toContain("nothing changed; the refusal is recorded (twostep history)");
    await fleet.advance(17_000);
    const stale = await fleet.run(["decommission", "old-1", "--dry-run"]);
    expect(stale.code).toBe(1);
    expect(stale.stdout).toMatch(/Plan: decommission node old-1\n {2}[0-9a-f]{8} {2}service orders, build orders@1\.4\.0, stale, last heartbeat 17 s ago\n/);
    expect(stale.stdout).toContain("would be refused: a process whose lease may still run may still write; stop it first");
    // The coordinator's reason, and until when the lease may run.
    expect(stale.stdout).toMatch(
      /old-1 may still be running:\n {4}- old-1@[0-9a-f]{8} is stale \(heartbeat 17 s ago\): it may still write until its lease and the clock margin have passed \(\d{4}-\d\d-\d\dT[\d:.]+Z\)/,
    );
    const { output } = await fleet.json(["decommission", "old-1", "--dry-run"]);
    expect(output).toMatchObject({ plan: { allowed: false, refused: "old-1 may still be running", blockers: [{ nodeId: "old-1", reason: "stale" }] } });
  });

  test("once its lease surely ran out it is removed, recorded, and no longer blocks", async () => {
    const fleet = await withGone();
    await fleet.advance(25_000);
    const { run: dry, output } = await fleet.json(["decommission", "old-1", "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(output).toMatchObject({
      dryRun: true,
      plan: { nodeId: "old-1", incarnation: null, allowed: true, refused: null, blockers: [], members: [{ nodeId: "old-1", state: "expired" }] },
      change: null,
    });
    const gone = await fleet.run(["decommission", "old-1", ...change]);
    expect(gone.code).toBe(0);
    expect(gone.stdout).toMatch(/^done: decommission old-1, recorded as tester: "host retired, INC-42"$/m);
    expect(await nodeIds(fleet)).toEqual(["live-1"]);
    expect((await fleet.run(["history"])).stdout).toMatch(/tester\s+decommission\s+node old-1\s+decommission old-1/);
    expect((await fleet.run(["plan", ORDERS, "2"])).code).toBe(0);
  });

  test("a node that is not a member is a request that makes no sense (exit 2), and the dry run says so with the same exit code", async () => {
    const fleet = await withGone();
    const dry = await fleet.run(["decommission", "nobody", "--dry-run"]);
    expect(dry.stderr).toContain("nobody is not a member of the fleet: see twostep status for the node ids");
    const run = await fleet.run(["decommission", "nobody", ...change]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("nobody is not a member of the fleet: see twostep status for the node ids");
    expect(dry.code).toBe(run.code);
  });

  test("the dry run of a node that left says it is no longer a member, as the decommission does (exit 2)", async () => {
    const fleet = await withGone();
    await fleet.advance(25_000);
    await fleet.run(["decommission", "old-1", ...change]);
    const dry = await fleet.run(["decommission", "old-1", "--dry-run"]);
    const run = await fleet.run(["decommission", "old-1", ...change]);
    expect(dry.code).toBe(2);
    expect(run.code).toBe(2);
    expect(dry.stderr).toContain("old-1 is no longer a member (it left or was decommissioned)");
    expect(run.stderr).toContain("old-1 is no longer a member (it left or was decommissioned)");
  });

  test("--incarnation removes one process of a node id that two processes share", async () => {
    const fleet = newFleet();
    const [old] = await fleet.add({ prefix: "a-", count: 1, service: "orders", build: "orders@1.4.0" });
    await fleet.add({ prefix: "a-", count: 1, service: "orders", build: "orders@2.0.0", reads: 2 });
    if (old === undefined) throw new Error("no node");
    fleet.nodes.splice(fleet.nodes.indexOf(old), 1);
    await fleet.advance(25_000);
    const both = await fleet.run(["decommission", "a-1", "--dry-run"]);
    expect(both.code).toBe(1);
    const one = await fleet.run(["decommission", "a-1", "--incarnation", old.incarnation.slice(0, 8), ...change]);
    expect(one.code).toBe(0);
    expect((await fleet.coordinator().status()).members.map((member) => member.build)).toEqual(["orders@2.0.0"]);
  });

  test("a member still starting (no heartbeat yet) is refused", async () => {
    const fleet = newFleet();
    await fleet.addStarting("ship-1", "shipping", "shipping@1.0");
    const dry = await fleet.run(["decommission", "ship-1", "--dry-run"]);
    expect(dry.code).toBe(1);
    expect(dry.stdout).toContain("build shipping@1.0, starting, no heartbeat ever");
    const run = await fleet.run(["decommission", "ship-1", ...change]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("1 × still starting, no heartbeat yet in build shipping@1.0 (service shipping): ship-1");
  });
});
