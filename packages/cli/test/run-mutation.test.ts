import { ControlPlaneMisconfiguredError, ControlPlaneUnreachableError, PermissionDeniedError, RevisionConflictError } from "@twostep/fleet";
import { describe, expect, test } from "vitest";
import { memoryFleet } from "./support/memory-fleet.js";
import { runInProcess, withMethod } from "./support/test-context.js";

const enable = (level: number, ...more: string[]) => ["enable-write", "orders.OrderPlaced", String(level), ...more];

async function twoBuilds() {
  const fleet = memoryFleet();
  await fleet.add({ prefix: "new-", count: 3, service: "orders", build: "orders@2.0.0", reads: 2 });
  await fleet.add({ prefix: "old-", count: 2, service: "orders", build: "orders@1.4.0", reads: 1 });
  return fleet;
}

describe("confirmation and the recorded author", () => {
  test("without --reason: usage error, nothing recorded", async () => {
    const { plane } = await twoBuilds();
    const run = await runInProcess(enable(1, "--yes"), { plane });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('pass --reason "TEXT"');
    expect(await plane.readAudit()).toEqual([]);
    expect(run.connections).toEqual([]);
  });

  test("without a terminal and without --yes: exit 2, saying to pass --yes, before connecting", async () => {
    const { plane } = await twoBuilds();
    const run = await runInProcess(enable(1, "--reason", "first"), { plane, stdinTTY: false });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("pass --yes");
    expect(run.connections).toEqual([]);
    expect(await plane.getLevel("orders.OrderPlaced")).toBeUndefined();
  });

  test("on a terminal it shows the plan and asks; no means exit 1 and nothing changed", async () => {
    const { plane } = await twoBuilds();
    const run = await runInProcess(enable(1, "--reason", "first"), { plane, stdinTTY: true, answers: [false] });
    expect(run.questions).toEqual(["orders.OrderPlaced: enable v1?"]);
    expect(run.stdout).toContain("Plan for orders.OrderPlaced: enable v1");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("not confirmed");
    expect(await plane.getLevel("orders.OrderPlaced")).toBeUndefined();
    expect(await plane.readAudit()).toEqual([]);
  });

  test("a change that would be refused is still asked about on a terminal, with its blockers; no changes nothing", async () => {
    const { plane } = await twoBuilds();
    await runInProcess(enable(1, "--reason", "first", "--yes"), { plane });
    const run = await runInProcess(enable(2, "--reason", "early"), { plane, stdinTTY: true, answers: [false] });
    expect(run.stdout).toContain("blocked by 2 members:");
    expect(run.stdout).toContain("2 × no reader of v2 in build orders@1.4.0 (service orders): old-1, old-2");
    expect(run.questions).toEqual(["orders.OrderPlaced: enable v2?"]);
    expect(run.code).toBe(1);
    expect(await plane.readAudit()).toHaveLength(1);
  });

  test("yes commits it, recording the default actor, or --actor", async () => {
    const { plane } = await twoBuilds();
    const asked = await runInProcess(enable(1, "--reason", "first"), { plane, stdinTTY: true, answers: [true] });
    expect(asked.code).toBe(0);
    expect(asked.stdout).toContain("done: enable v1 of orders.OrderPlaced, rev 0→2");
    const named = await runInProcess(enable(2, "--percent", "10", "--reason", "canary", "--actor", "alice", "--yes"), { plane });
    expect(named.code).toBe(1); // old-1 and old-2 do not read v2
    const audit = await plane.readAudit();
    expect(audit.map((entry) => [entry.action, entry.actor, entry.reason])).toEqual([
      ["enable-write", "tester", "first"],
      ["refused", "alice", "canary"],
    ]);
  });

  test("a change already in force changes nothing and asks nothing", async () => {
    const { plane } = await twoBuilds();
    expect((await runInProcess(enable(1, "--reason", "first", "--yes"), { plane })).code).toBe(0);
    const again = await runInProcess(enable(1, "--reason", "again"), { plane, stdinTTY: true });
    expect(again.code).toBe(0);
    expect(again.questions).toEqual([]);
    expect(again.stdout).toContain("already in force");
    expect(await plane.readAudit()).toHaveLength(1);
  });
});

describe("--dry-run", () => {
  test("previews without --reason or --yes and changes nothing", async () => {
    const { plane } = await twoBuilds();
    const run = await runInProcess(enable(1, "--dry-run"), { plane });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("allowed: every member reads what it requires");
    expect(run.stdout).toContain("dry run: nothing changed");
    expect(await plane.getLevel("orders.OrderPlaced")).toBeUndefined();
    expect(await plane.readAudit()).toEqual([]);
  });

  test("exits 1 when the change would be refused, listing the blockers grouped", async () => {
    const { plane } = await twoBuilds();
    await runInProcess(enable(1, "--reason", "first", "--yes"), { plane });
    const run = await runInProcess(enable(2, "--dry-run", "--json"), { plane });
    expect(run.code).toBe(1);
    const output = JSON.parse(run.stdout);
    expect(output).toMatchObject({
      dryRun: true,
      change: null,
      plan: { capability: "orders.OrderPlaced", request: "enable v2", revision: 2, changes: true, allowed: false, newlyRequired: [2] },
    });
    expect(output.plan.blockerGroups).toEqual([
      { reason: "no-reader", level: 2, service: "orders", build: "orders@1.4.0", nodeIds: ["old-1", "old-2"], lastSeen: expect.any(Number) },
    ]);
    expect((await plane.getLevel("orders.OrderPlaced"))?.revision).toBe(2);
  });
});

describe("refusals and exit codes", () => {
  test("an unsafe enable exits 1 with the coordinator's problem and grouped blockers, and is recorded", async () => {
    const { plane } = await twoBuilds();
    await runInProcess(enable(1, "--reason", "first", "--yes"), { plane });
    const run = await runInProcess(enable(2, "--reason", "too early", "--yes", "--json"), { plane });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("refused: enable v2 of orders.OrderPlaced: not every member reads v2");
    expect(run.stderr).toContain("2 × no reader of v2 in build orders@1.4.0 (service orders): old-1, old-2");
    expect(JSON.parse(run.stdout)).toMatchObject({ error: { code: "UNSAFE_CHANGE", exitCode: 1, blockers: [{ nodeId: "old-1" }, { nodeId: "old-2" }] } });
    expect((await plane.readAudit()).at(-1)).toMatchObject({ action: "refused", reason: "too early" });
  });

  test("a request that makes no sense is a usage error (exit 2)", async () => {
    const { plane } = await twoBuilds();
    const run = await runInProcess(enable(1, "--percent", "150", "--reason", "r", "--yes"), { plane });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("percent 150 is out of range");
  });

  test.each([
    ["a revision conflict", () => new RevisionConflictError("write level of orders.OrderPlaced", 0), 1],
    ["an unreachable control plane", () => new ControlPlaneUnreachableError("nats://nowhere:4222"), 3],
    ["denied permission", () => new PermissionDeniedError("compareAndSetLevel orders.OrderPlaced"), 3],
    ["a control plane that is not set up", () => new ControlPlaneMisconfiguredError("the buckets under prefix twostep do not exist"), 3],
    ["an unexpected error", () => new Error("boom"), 4],
  ])("%s exits by its code", async (_, failure, code) => {
    const { plane } = await twoBuilds();
    const failing = withMethod(plane, "compareAndSetLevel", async () => Promise.reject(failure()));
    const run = await runInProcess(enable(1, "--reason", "r", "--yes"), { plane: failing });
    expect(run.code).toBe(code);
    expect(run.stderr).toContain(code === 4 ? "unexpected error" : failure().message);
  });
});

describe("disable-write, retire, decommission", () => {
  test("disable-write drops a ramp, then rolls the level back", async () => {
    const fleet = memoryFleet();
    await fleet.add({ prefix: "n-", count: 3, service: "orders", build: "orders@2.0.0", reads: 2 });
    const on = fleet.plane;
    await runInProcess(enable(1, "--reason", "first", "--yes"), { plane: on });
    await runInProcess(enable(2, "--percent", "10", "--by", "node", "--reason", "canary", "--yes"), { plane: on });
    expect((await on.getLevel("orders.OrderPlaced"))?.value.ramp).toEqual({ to: 2, percent: 10, by: "node" });
    const drop = await runInProcess(["disable-write", "orders.OrderPlaced", "--reason", "errors", "--yes"], { plane: on });
    expect(drop.code).toBe(0);
    expect(drop.stdout).toContain("now writes v1");
    expect((await on.getLevel("orders.OrderPlaced"))?.value.ramp).toBeNull();
    await runInProcess(enable(2, "--reason", "all", "--yes"), { plane: on });
    const back = await runInProcess(["disable-write", "orders.OrderPlaced", "--to", "v1", "--reason", "roll back", "--yes"], { plane: on });
    expect(back.code).toBe(0);
    expect((await on.getLevel("orders.OrderPlaced"))?.value).toMatchObject({ level: 1, everWritten: [1, 2] });
  });

  test("retire is refused inside the drain window (exit 1) and allowed after it", async () => {
    const fleet = memoryFleet();
    await fleet.add({ prefix: "n-", count: 2, service: "orders", build: "orders@2.0.0", reads: 2 });
    await runInProcess(enable(1, "--reason", "first", "--yes"), { plane: fleet.plane });
    await runInProcess(enable(2, "--reason", "all", "--yes"), { plane: fleet.plane });
    const early = await runInProcess(["retire", "orders.OrderPlaced", "1", "--reason", "done", "--yes"], { plane: fleet.plane });
    expect(early.code).toBe(1);
    expect(early.stderr).toContain("drain window ends at");
    fleet.clock.advance(3_600_001);
    // Keep the members live across the hour.
    await fleet.add({ prefix: "n-", count: 2, service: "orders", build: "orders@2.0.0", reads: 2 });
    const late = await runInProcess(["retire", "orders.OrderPlaced", "1", "--reason", "done", "--yes"], { plane: fleet.plane });
    expect(late.code).toBe(0);
    expect((await fleet.plane.getLevel("orders.OrderPlaced"))?.value.retired).toEqual([1]);
  });

  test("decommission: a live node is refused, a stale one removed, an unknown one is a usage error", async () => {
    const fleet = await twoBuilds();
    const live = await runInProcess(["decommission", "old-1", "--reason", "gone", "--yes"], { plane: fleet.plane });
    expect(live.code).toBe(1);
    expect(live.stderr).toContain("old-1 is alive");
    const preview = await runInProcess(["decommission", "old-1", "--dry-run"], { plane: fleet.plane });
    expect(preview.code).toBe(1);
    expect(preview.stdout).toContain("alive: the coordinator refuses to remove a live node");
    fleet.clock.advance(20_000);
    const stalePreview = await runInProcess(["decommission", "old-1", "--dry-run"], { plane: fleet.plane });
    expect(stalePreview.code).toBe(0);
    expect(stalePreview.stdout).toContain("stale, last heartbeat 20 s ago");
    const gone = await runInProcess(["decommission", "old-1", "--reason", "host retired", "--yes"], { plane: fleet.plane });
    expect(gone.code).toBe(0);
    expect(gone.stdout).toContain("done: decommission old-1");
    expect((await fleet.plane.listMembers()).map((member) => member.nodeId)).not.toContain("old-1");
    const unknown = await runInProcess(["decommission", "nobody", "--reason", "r", "--yes"], { plane: fleet.plane });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("nobody is not a member");
  });
});
