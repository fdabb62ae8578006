import { expect, test } from "vitest";
import { memoryFleet } from "../support/memory-fleet.js";
import { runInProcess } from "../support/test-context.js";

/** 100 members: 80 + 8 readers of v2, 8 of an old build, 3 stale, 1 never seen; orders.OrderPlaced writes v1. */
async function hundredNodes() {
  const fleet = memoryFleet();
  await fleet.add({ prefix: "billing-", count: 3, service: "billing", build: "billing@3.1", reads: 2 });
  fleet.clock.advance(20_000);
  await fleet.add({ prefix: "zone-a-", count: 80, service: "orders", build: "orders@2.0.0", reads: 2 });
  await fleet.add({ prefix: "zone-b-", count: 8, service: "orders", build: "orders@1.4.0", reads: 1 });
  await fleet.add({ prefix: "pay-", count: 8, service: "payments", build: "payments@7", reads: 2 });
  await fleet.add({ prefix: "ship-", count: 1, service: "shipping", build: "shipping@1.0", neverSeen: true });
  const now = fleet.clock.now();
  await fleet.plane.compareAndSetLevel(
    {
      capability: "orders.OrderPlaced",
      level: 1,
      levelSince: now,
      levelSetBy: "alice",
      levelReason: "first rollout",
      ramp: null,
      intent: null,
      everWritten: [1],
      retired: [],
      writtenUntil: {},
      changedAt: now,
      changedBy: "alice",
      reason: "first rollout",
    },
    0,
  );
  return fleet;
}

test("status of 100 nodes groups and summarises them in under 40 lines, naming a few nodes per group", async () => {
  const { plane } = await hundredNodes();
  const { code, stdout } = await runInProcess(["status"], { plane });
  expect(code).toBe(0);
  const lines = stdout.trimEnd().split("\n");
  expect(lines.length).toBeLessThan(40);
  expect(stdout).toContain("100 members: 96 live, 3 stale, 1 never seen");
  expect(stdout).toContain("readers       v1 96/100   v2 88/100");
  expect(stdout).toContain("v2: blocked by 12 of 100 members");
  expect(stdout).toContain("8 × no reader of v2 in build orders@1.4.0 (service orders): zone-b-1, zone-b-2, zone-b-3, zone-b-4, zone-b-5, … and 3 more");
  expect(stdout).toContain("3 × stale heartbeat (last 20 s ago) in build billing@3.1 (service billing): billing-1, billing-2, billing-3");
  expect(stdout).toContain("1 × never seen (a member without heartbeat) in build shipping@1.0 (service shipping): ship-1");
  expect(stdout).toContain("→ deploy a build that reads v2 on orders");
  expect(stdout).toMatch(/orders\s+orders@2\.0\.0\s+80\s+·\s+·\s+orders\.OrderPlaced reads v1\.\.v2, writes v1\.\.v2/);
  expect(stdout).toMatch(/billing\s+billing@3\.1\s+·\s+3\s+·/);
  // Readers of the next level are not listed one by one.
  expect(stdout).not.toContain("zone-a-1");
});

test("status --json has the documented shape, with every blocker and the groups", async () => {
  const { plane } = await hundredNodes();
  const { code, stdout } = await runInProcess(["status", "--json"], { plane });
  expect(code).toBe(0);
  const status = JSON.parse(stdout);
  expect(Object.keys(status)).toEqual(["format", "at", "memberCount", "capabilities", "groups", "members"]);
  expect(status).toMatchObject({ format: 1, memberCount: 100 });
  const [orders] = status.capabilities;
  expect(Object.keys(orders)).toEqual(["capability", "revision", "record", "required", "readers", "next", "readyForNext", "blockers", "blockerGroups"]);
  expect(orders).toMatchObject({
    capability: "orders.OrderPlaced",
    record: { level: 1, levelSetBy: "alice" },
    required: [1],
    readers: { "1": 96, "2": 88 },
    next: 2,
    readyForNext: false,
  });
  expect(orders.blockers).toHaveLength(12);
  expect(orders.blockerGroups[0]).toEqual({
    reason: "no-reader",
    level: 2,
    service: "orders",
    build: "orders@1.4.0",
    nodeIds: ["zone-b-1", "zone-b-2", "zone-b-3", "zone-b-4", "zone-b-5", "zone-b-6", "zone-b-7", "zone-b-8"],
    lastSeen: expect.any(Number),
  });
  expect(status.groups).toHaveLength(5);
  expect(status.groups.find((group: { build: string }) => group.build === "billing@3.1")).toMatchObject({ live: 0, stale: 3, neverSeen: 0 });
  expect(status.members).toHaveLength(100);
});

test("colour only on a terminal, and never with NO_COLOR", async () => {
  const { plane } = await hundredNodes();
  const csi = "\u001b[";
  expect((await runInProcess(["status"], { plane, stdoutTTY: true })).stdout).toContain(csi);
  expect((await runInProcess(["status"], { plane, stdoutTTY: true, env: { NO_COLOR: "1" } })).stdout).not.toContain(csi);
  expect((await runInProcess(["status"], { plane, stdoutTTY: false })).stdout).not.toContain(csi);
});

test("status of one capability keeps only it; an unknown one is a usage error", async () => {
  const { plane, add } = await hundredNodes();
  await add({ prefix: "flag-", count: 1, service: "edge", build: "edge@1", capabilities: { "compression.zstd": { reads: { min: 0, max: 1 } } } });
  const one = await runInProcess(["status", "orders.OrderPlaced"], { plane });
  expect(one.stdout).toContain("orders.OrderPlaced");
  expect(one.stdout).not.toContain("compression.zstd");
  const typo = await runInProcess(["status", "orders.OrderPlacd"], { plane });
  expect(typo.code).toBe(2);
  expect(typo.stderr).toContain("no capability named orders.OrderPlacd");
});

test("an empty fleet says what to expect", async () => {
  const { plane } = memoryFleet();
  const { code, stdout } = await runInProcess(["status"], { plane });
  expect(code).toBe(0);
  expect(stdout).toContain("No members and no write levels yet");
});
