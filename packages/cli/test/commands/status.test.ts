import { type FleetSummaryJson, fleetSummaryJson, type StatusJson } from "@twostep/cli";
import { RolloutController, Rollouts } from "@twostep/fleet";
import { describe, expect, test } from "vitest";
import { addWideFleet, FEATURES, ORDERS, type TestFleet, useFleets, WHO, WIDE_FEATURES } from "../support/memory-fleet.js";

const newFleet = useFleets();

/** 100 members: 80 read v2, 8 of another build only v1, 8 payments (v2), 3 billing gone quiet, 1 shipping still starting; v1 enabled. */
async function hundredNodes(): Promise<TestFleet> {
  const fleet = newFleet();
  await fleet.add({ prefix: "zone-a-", count: 80, service: "orders", build: "orders@2.0.0", reads: 2 });
  await fleet.add({ prefix: "zone-b-", count: 8, service: "orders", build: "orders@1.4.0", reads: 1 });
  await fleet.add({ prefix: "pay-", count: 8, service: "payments", build: "payments@7", reads: 2 });
  await fleet.add({ prefix: "billing-", count: 3, service: "billing", build: "billing@3.1", reads: 2 });
  await fleet.coordinator().enableWrite(ORDERS, 1, WHO);
  await fleet.addStarting("ship-1", "shipping", "shipping@1.0");
  fleet.silence("billing-1", "billing-2", "billing-3");
  await fleet.advance(18_000);
  return fleet;
}

describe("status", () => {
  test("of 100 nodes: grouped and summarised in under 40 lines, naming a few nodes per group", async () => {
    const fleet = await hundredNodes();
    const { code, stdout } = await fleet.run(["status"]);
    expect(code).toBe(0);
    expect(stdout.trimEnd().split("\n").length).toBeLessThan(40);
    expect(stdout).toContain("100 members: 1 starting, 96 live, 3 stale");
    expect(stdout).toMatch(/^Control plane {2}[0-9a-f-]{36} {2}epoch 1$/m);
    expect(stdout).toContain('write level   v1 since 2026-01-01 10:00:00Z by alice: "first rollout"');
    expect(stdout).toContain("drain window  1 h (default)");
    expect(stdout).toContain("readers       v1 100/100   v2 91/100");
    expect(stdout).toContain(
      "convergence   applied by 96 of 100; waiting on billing-1, stale for 18 s; billing-2, stale for 18 s; billing-3, stale for 18 s; … and 1 more",
    );
    expect(stdout).toContain("next level    v2: blocked by 9 of 100 members");
    expect(stdout).toContain("8 × no reader of v2 in build orders@1.4.0 (service orders): zone-b-1, zone-b-2, zone-b-3, zone-b-4, zone-b-5, … and 3 more");
    expect(stdout).toContain("1 × no reader of v2 in build shipping@1.0 (service shipping): ship-1");
    expect(stdout).toContain("→ deploy a build that reads v2 on orders, shipping");
    expect(stdout).toMatch(/SERVICE\s+BUILD\s+STARTING\s+LIVE\s+STALE\s+EXPIRED\s+READS \/ WRITES/);
    // What a build reads and writes is listed once; a group whose build declares the same names the first.
    expect(stdout).toMatch(/billing\s+billing@3\.1\s+·\s+·\s+3\s+·\s+orders\.OrderPlaced reads v1\.\.v2, writes v1\.\.v2$/m);
    expect(stdout).toMatch(/orders\s+orders@2\.0\.0\s+·\s+80\s+·\s+·\s+same as billing@3\.1 \(billing\)$/m);
    expect(stdout).toMatch(/shipping\s+shipping@1\.0\s+1\s+·\s+·\s+·\s+same as orders@1\.4\.0 \(orders\)$/m);
    expect(stdout.match(/orders\.OrderPlaced reads v1\.\.v2, writes v1\.\.v2/g)?.length).toBe(1);
    expect(stdout).toMatch(/billing\s+billing@3\.1\s+·\s+·\s+3\s+·/);
    expect(stdout).toMatch(/shipping\s+shipping@1\.0\s+1\s+·\s+·\s+·/);
    // Readers of the next level are not listed one by one.
    expect(stdout).not.toContain("zone-a-1");
  });

  test("--json has the documented shape (format 2), with every blocker, the groups per state and the convergence", async () => {
    const fleet = await hundredNodes();
    const { run, output } = await fleet.json(["status"]);
    expect(run.code).toBe(0);
    expect(Object.keys(output)).toEqual(["format", "at", "plane", "memberCount", "capabilities", "groups", "members"]);
    expect(output).toMatchObject({ format: 2, memberCount: 100, plane: { id: expect.any(String), epoch: 1, regressed: [], unreadable: [] } });
    const [orders] = output["capabilities"] as Record<string, unknown>[];
    expect(Object.keys(orders ?? {})).toEqual([
      "capability",
      "revision",
      "record",
      "problem",
      "writes",
      "required",
      "readers",
      "participants",
      "convergence",
      "drainWindowMs",
      "drainWindowIsDefault",
      "next",
      "readyForNext",
      "blockers",
      "blockerGroups",
    ]);
    expect(orders).toMatchObject({
      capability: ORDERS,
      record: { level: 1, levelSetBy: "alice", policy: { drainWindowMs: null } },
      problem: null,
      writes: "open",
      required: [1],
      readers: { "1": 100, "2": 91 },
      participants: 100,
      convergence: { applied: 96, of: 100 },
      drainWindowMs: 3_600_000,
      drainWindowIsDefault: true,
      next: 2,
      readyForNext: false,
    });
    const { output: typed } = await fleet.json<StatusJson>(["status", ORDERS]);
    expect(typed.capabilities[0]?.blockers).toHaveLength(9);
    expect(typed.capabilities[0]?.blockerGroups[0]).toEqual({
      reason: "no-reader",
      level: 2,
      service: "orders",
      build: "orders@1.4.0",
      nodeIds: ["zone-b-1", "zone-b-2", "zone-b-3", "zone-b-4", "zone-b-5", "zone-b-6", "zone-b-7", "zone-b-8"],
      lastSeen: expect.any(Number),
    });
    const groups = output["groups"] as Record<string, unknown>[];
    expect(groups).toHaveLength(5);
    expect(groups.find((group) => group["build"] === "billing@3.1")).toMatchObject({ starting: 0, live: 0, stale: 3, expired: 0 });
    expect(groups.find((group) => group["build"] === "shipping@1.0")).toMatchObject({ starting: 1, nodeIds: ["ship-1"] });
    expect(output["members"]).toHaveLength(100);
    expect((output["members"] as Record<string, unknown>[])[0]).toMatchObject({
      nodeId: "zone-a-1",
      incarnation: expect.any(String),
      labels: {},
      state: "live",
      fenced: null,
    });
  });

  test("--json --summary counts the members by kind instead of listing them: the same counts, blockers counted, the first named", async () => {
    const fleet = await hundredNodes();
    const full = (await fleet.json<StatusJson>(["status"])).output;
    const { run, output } = await fleet.json<FleetSummaryJson>(["status", "--summary"]);
    expect(run.code).toBe(0);
    expect(output).toEqual(fleetSummaryJson(await fleet.coordinator().status()));
    expect(output).toMatchObject({ format: 1, at: full.at, plane: full.plane, memberCount: 100, states: { starting: 1, live: 96, stale: 3, expired: 0 } });
    expect(output.cohorts.map((cohort) => [cohort.build, cohort.members])).toEqual([
      ["billing@3.1", 3],
      ["orders@1.4.0", 8],
      ["orders@2.0.0", 80],
      ["payments@7", 8],
      ["shipping@1.0", 1],
    ]);
    const orders = output.capabilities.find((entry) => entry.capability === ORDERS);
    const blockers = full.capabilities.find((entry) => entry.capability === ORDERS)?.blockers ?? [];
    expect(orders?.blockerCount).toBe(blockers.length);
    expect(orders?.blockerGroups.reduce((sum, group) => sum + group.count, 0)).toBe(blockers.length);
    expect(JSON.stringify(output).length).toBeLessThan(JSON.stringify(full).length / 10);
    // Of one capability: its entry, and the levels read of it alone.
    const one = (await fleet.json<FleetSummaryJson>(["status", ORDERS, "--summary"])).output;
    expect(one.capabilities.map((entry) => entry.capability)).toEqual([ORDERS]);
    expect(one.reads.flatMap((set) => Object.keys(set))).toEqual(one.reads.map(() => ORDERS));
  });

  test("--summary goes with --json and without --by: otherwise a usage error that says so", async () => {
    const fleet = await hundredNodes();
    const alone = await fleet.run(["status", "--summary"]);
    expect([alone.code, alone.stderr]).toEqual([2, expect.stringContaining("--summary goes with --json")]);
    const by = await fleet.run(["status", "--json", "--summary", "--by", "zone"]);
    expect([by.code, by.stderr]).toEqual([2, expect.stringContaining("--summary does not group by a label")]);
  });

  test("colour only on a terminal, and never with NO_COLOR", async () => {
    const fleet = await hundredNodes();
    const csi = "\u001b[";
    expect((await fleet.run(["status"], { stdoutTTY: true })).stdout).toContain(csi);
    expect((await fleet.run(["status"], { stdoutTTY: true, env: { NO_COLOR: "1" } })).stdout).not.toContain(csi);
    expect((await fleet.run(["status"], { stdoutTTY: false })).stdout).not.toContain(csi);
  });

  test("of one capability keeps only it; an unknown one is a usage error", async () => {
    const fleet = newFleet();
    await fleet.add({
      prefix: "n-",
      count: 2,
      service: "orders",
      build: "orders@2.0.0",
      reads: 2,
      features: { "compression.zstd": { reads: { min: 0, max: 1 } } },
    });
    const one = await fleet.run(["status", ORDERS]);
    expect(one.stdout).toContain(ORDERS);
    expect(one.stdout).not.toContain("compression.zstd");
    const typo = await fleet.run(["status", "orders.OrderPlacd"]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("no capability named orders.OrderPlacd");
  });

  test("an empty control plane says so plainly", async () => {
    const fleet = newFleet();
    const { code, stdout } = await fleet.run(["status"]);
    expect(code).toBe(0);
    expect(stdout).toContain("Control plane  not set up yet: `twostep init` sets it up (the first change does too)");
    expect(stdout).toContain(
      "the control plane is empty: no node has registered and nothing is enabled; nodes appear once they start, `twostep init` sets it up.",
    );
    const { output } = await fleet.json(["status"]);
    expect(output).toMatchObject({ format: 2, plane: { id: null, epoch: null }, memberCount: 0, capabilities: [], groups: [], members: [] });
  });

  test("a capability nothing enabled says writes are closed", async () => {
    const fleet = newFleet();
    await fleet.add({ prefix: "n-", count: 2, service: "orders", build: "orders@2.0.0", reads: 2 });
    const { stdout } = await fleet.run(["status", ORDERS]);
    expect(stdout).toContain("write level   writes closed: nothing enabled");
    expect(stdout).toContain("next level    v2: ready, every member reads it");
    expect(stdout).not.toContain("convergence");
    const { output } = await fleet.json(["status", ORDERS]);
    expect((output["capabilities"] as unknown[])[0]).toMatchObject({ record: null, revision: 0, writes: "closed", problem: null });
    await fleet.coordinator().enableWrite(ORDERS, 2, WHO);
    // Nobody reads v3: it is no release in waiting, and no member is named as its blocker.
    const enabled = await fleet.run(["status", ORDERS]);
    expect(enabled.stdout).not.toContain("next level");
    expect(enabled.stdout).not.toContain("no reader of v3");
  });

  test("shows a ramp with its labels, a stored drain window, and who has not applied the record", async () => {
    const fleet = newFleet();
    await fleet.add({ prefix: "a-", count: 2, service: "orders", build: "orders@2.0.0", reads: 2, labels: { zone: "a" } });
    await fleet.add({ prefix: "b-", count: 1, service: "orders", build: "orders@2.0.0", reads: 2, labels: { zone: "b" } });
    const coordinator = fleet.coordinator();
    await coordinator.enableWrite(ORDERS, 1, WHO);
    await coordinator.change(ORDERS, { kind: "policy", drainWindowMs: 1_800_000 }, WHO);
    await fleet.heartbeat();
    fleet.silence("b-1");
    await coordinator.enableWrite(ORDERS, 2, { ...WHO, percent: 100, where: { zone: ["a"] } });
    await fleet.advance(10_000);
    const { stdout } = await fleet.run(["status", ORDERS]);
    expect(stdout).toContain("ramp          to v2 on every node where zone=a");
    expect(stdout).toContain("drain window  30 min");
    expect(stdout).not.toContain("30 min (default)");
    expect(stdout).toMatch(/convergence {3}applied by 2 of 3; waiting on b-1, live, on rev \d+/);
  });

  test("past a dozen capabilities, those with nothing to act on are one line each, after those shown in full", async () => {
    const fleet = await addWideFleet(newFleet());
    const { stdout } = await fleet.run(["status"]);
    // Blocked (orders) and ramping (f02): in full.
    expect(stdout).toMatch(/^orders\.OrderPlaced {2}rev \d+$/m);
    expect(stdout).toContain("next level    v2: blocked by 1 of 3 members");
    expect(stdout).toMatch(/^feature\.f02 {2}rev \d+\n(.*\n)*? {2}ramp {10}to v2 at 50%/m);
    // The 12 other features and the record format: a line each.
    expect(stdout).toContain("13 more capabilities with nothing to act on");
    expect(stdout).toMatch(/^ {2}CAPABILITY\s+REV\s+WRITES\s+REQUIRED\s+NEXT\s+APPLIED\s+READERS$/m);
    expect(stdout).toMatch(/^ {2}feature\.f01\s+\d+\s+v1\s+v1\s+v2 ready\s+3\/3\s+v1 3\/3 {3}v2 3\/3$/m);
    expect(stdout).toMatch(/^ {2}twostep\.records\s+0\s+format 1 \(default\)\s+none\s+v1 ready\s+3\/3\s+v1 3\/3$/m);
    expect(stdout).not.toContain("not live");
    expect(stdout).not.toMatch(/^feature\.f01 {2}rev/m);
    // One capability asked for is shown in full, whatever it is.
    expect((await fleet.run(["status", "feature.f01"])).stdout).toMatch(/^feature\.f01 {2}rev \d+$/m);
    // A capability whose rollout plan is under way is in full, even once its step applied and converged.
    const rollouts = new Rollouts(fleet.plane, fleet.coordinator(), { clock: fleet.clock.now });
    await rollouts.start("feature.f03", { target: 2, steps: [{ percent: 100, where: null, bakeMs: 60_000 }] }, WHO);
    await new RolloutController(fleet.plane, { clock: fleet.clock.now }).tick();
    await fleet.heartbeat();
    const planned = (await fleet.run(["status"])).stdout;
    expect(planned).toMatch(/^feature\.f03 {2}rev \d+$/m);
    expect(planned).toContain("12 more capabilities with nothing to act on");
  });

  test("members that are not live are named once over the table, not a full block per capability; a live member behind keeps its capability in full", async () => {
    const fleet = await addWideFleet(newFleet());
    // new-2 stops sending heartbeats: every record it takes part in waits on it.
    fleet.silence("new-2");
    await fleet.advance(60_000);
    const { stdout } = await fleet.run(["status"]);
    expect(stdout).toMatch(/^Fleet {2}3 members: 2 live, 1 expired/m);
    expect(stdout).toContain("13 more capabilities with nothing to act on: no ramp, intent or rollout plan under way, applied by every live member");
    expect(stdout).toContain(
      "  waiting only on members that are not live: new-2, expired for 60 s " +
        "(expired ones: start them again, or twostep decommission them (with --incarnation when the node id runs again))",
    );
    // Named in the two capabilities in full (orders, blocked; f02, ramping), and once for the 13 others.
    expect(stdout.match(/new-2, expired for 60 s/g)).toHaveLength(3);
    expect(stdout).toMatch(/^ {2}CAPABILITY\s+REV\s+WRITES\s+REQUIRED\s+NEXT\s+APPLIED\s+READERS$/m);
    expect(stdout).toMatch(/^ {2}feature\.f01\s+\d+\s+v1\s+v1\s+v2 ready\s+2\/3\s+v1 3\/3 {3}v2 3\/3$/m);
    // A member still starting is named too, with what it will do; a node id that runs again is told apart by incarnation.
    await fleet.addStarting("late-1", "orders", "orders@2.0.0", 2, WIDE_FEATURES);
    const expired = fleet.nodes.find((node) => node.nodeId === "new-2")?.incarnation;
    await fleet.add({ prefix: "new-", count: 2, service: "orders", build: "orders@2.0.0", reads: 2, features: WIDE_FEATURES });
    const both = (await fleet.run(["status"])).stdout;
    expect(both).toContain(
      `  waiting only on members that are not live: late-1, starting; new-2 (incarnation ${expired}), expired for 60 s ` +
        "(starting ones apply them at their first heartbeat; expired ones: start them again",
    );
    expect(both).toContain("13 more capabilities with nothing to act on");
    // A record that live members have not applied yet is something to follow: that capability is in full.
    await fleet.coordinator().enableWrite("feature.f04", 2, WHO);
    const behind = (await fleet.run(["status"])).stdout;
    expect(behind).toMatch(/^feature\.f04 {2}rev \d+\n(.*\n)*? {2}convergence {3}applied by 0 of 6; waiting on new-1, live, on rev \d+/m);
    expect(behind).toContain("12 more capabilities with nothing to act on");
  });

  test("a rollout plan that cannot be read keeps every capability in full: none is taken as having no plan", async () => {
    const fleet = await addWideFleet(newFleet());
    await fleet.plane.append({ kind: "rollout", capability: "feature.f05" }, new TextEncoder().encode("not a plan"), { expect: 0 });
    const { stdout } = await fleet.run(["status"]);
    expect(stdout.match(/^\S+ {2}rev \d+$/gm)).toHaveLength(15);
    expect(stdout).not.toContain("with nothing to act on");
  });

  test("a capability under a plan is in full even when its name holds a control character (compared as the view shows it)", async () => {
    const fleet = newFleet();
    const bell = "feature.\u0007bell";
    const support = { reads: { min: 1, max: 2 }, writes: { min: 1, max: 2 } };
    const features = Object.fromEntries([...FEATURES.slice(0, 12), bell].map((name) => [name, support]));
    await fleet.add({ prefix: "n-", count: 2, service: "orders", build: "orders@2.0.0", reads: 2, features });
    const coordinator = fleet.coordinator();
    await coordinator.enableWrite(bell, 1, WHO);
    await new Rollouts(fleet.plane, coordinator, { clock: fleet.clock.now }).start(
      bell,
      { target: 2, steps: [{ percent: 100, where: null, bakeMs: 60_000 }] },
      WHO,
    );
    await new RolloutController(fleet.plane, { clock: fleet.clock.now }).tick();
    await fleet.heartbeat();
    const { stdout } = await fleet.run(["status"]);
    expect(stdout).toMatch(/^feature\.\\u0007bell {2}rev \d+$/m);
    expect(stdout).not.toMatch(/^ {2}feature\.\\u0007bell /m);
    // Asked for by its name, it is shown escaped, and the node table finds what its builds do with it.
    const one = (await fleet.run(["status", bell])).stdout;
    expect(one).not.toContain("\u0007");
    expect(one).toMatch(/orders@2\.0\.0\s+·\s+2\s+·\s+·\s+reads v1\.\.v2, writes v1\.\.v2$/m);
  });

  test("up to a dozen capabilities, each is shown in full", async () => {
    const fleet = newFleet();
    const features = Object.fromEntries(FEATURES.slice(0, 10).map((name) => [name, { reads: { min: 1, max: 2 }, writes: { min: 1, max: 2 } }]));
    await fleet.add({ prefix: "n-", count: 2, service: "orders", build: "orders@2.0.0", reads: 2, features });
    const { stdout } = await fleet.run(["status"]);
    expect(stdout.match(/^\S+ {2}rev \d+$/gm)).toHaveLength(12);
    expect(stdout).not.toContain("with nothing to act on");
  });

  test("members of one service and build label whose builds declare different things show each, once", async () => {
    const fleet = newFleet();
    // Three members on each of two builds both labelled orders@2: the members of a build share its capabilities.
    await fleet.add({ prefix: "old-", count: 3, service: "orders", build: "orders@2", reads: 1 });
    await fleet.add({ prefix: "new-", count: 3, service: "orders", build: "orders@2", reads: 2 });
    const { stdout } = await fleet.run(["status"]);
    expect(stdout).toMatch(/orders\s+orders@2\s+·\s+6\s+·\s+·\s+orders\.OrderPlaced reads v1, writes v1 \| reads v1\.\.v2, writes v1\.\.v2$/m);
    expect(stdout.match(/reads v1\.\.v2, writes v1\.\.v2/g)?.length).toBe(1);
  });

  test("two processes with one node id are shown as such; a member whose lease ran out is not live", async () => {
    const fleet = newFleet();
    await fleet.add({ prefix: "a-", count: 1, service: "orders", build: "orders@1.4.0" });
    await fleet.add({ prefix: "a-", count: 1, service: "orders", build: "orders@2.0.0", reads: 2 });
    await fleet.add({ prefix: "quiet-", count: 1, service: "orders", build: "orders@2.0.0", reads: 2 });
    fleet.silence("quiet-1");
    await fleet.advance(16_000);
    const { stdout } = await fleet.run(["status"]);
    expect(stdout).toMatch(/node a-1 runs as 2 processes: [0-9a-f]{8} \(live, orders@1\.4\.0, registered 16 s ago\), [0-9a-f]{8} \(live, orders@2\.0\.0/);
    const { stdout: json } = await fleet.run(["status", "--json"]);
    expect((JSON.parse(json) as { members: { nodeId: string; state: string }[] }).members.find((member) => member.nodeId === "quiet-1")?.state).toBe("stale");
  });
});

describe("status --by", () => {
  /** Zones a and b on the new build (b-2 gone quiet); zone c with one old node; one old node without a zone. */
  async function zonedFleet(): Promise<TestFleet> {
    const fleet = newFleet();
    await fleet.add({ prefix: "a-", count: 3, service: "orders", build: "orders@2.0.0", reads: 2, labels: { zone: "a" } });
    await fleet.add({ prefix: "b-", count: 2, service: "orders", build: "orders@2.0.0", reads: 2, labels: { zone: "b" } });
    await fleet.add({ prefix: "c-", count: 1, service: "orders", build: "orders@2.0.0", reads: 2, labels: { zone: "c" } });
    await fleet.add({ prefix: "c-old-", count: 1, service: "orders", build: "orders@1.4.0", reads: 1, labels: { zone: "c" } });
    await fleet.add({ prefix: "lab-", count: 1, service: "orders", build: "orders@1.4.0", reads: 1 });
    await fleet.coordinator().enableWrite(ORDERS, 1, WHO);
    fleet.silence("b-2");
    await fleet.advance(18_000);
    return fleet;
  }

  test("groups the members by the label's value, counted per state with their builds, and the blockers of each next level", async () => {
    const fleet = await zonedFleet();
    const { code, stdout } = await fleet.run(["status", ORDERS, "--by", "zone"]);
    expect(code).toBe(0);
    expect(stdout).toContain(
      [
        "  next level    v2: blocked by 2 of 8 members",
        "    zone=c: 1 blocking",
        "      1 × no reader of v2 in build orders@1.4.0 (service orders): c-old-1",
        "    no zone: 1 blocking",
        "      1 × no reader of v2 in build orders@1.4.0 (service orders): lab-1",
        "    → deploy a build that reads v2 on orders",
      ].join("\n"),
    );
    expect(stdout).toContain(
      [
        "Nodes by zone",
        "  ZONE       STARTING  LIVE  STALE  EXPIRED  BUILDS",
        "  a          ·         3     ·      ·        orders@2.0.0 ×3",
        "  b          ·         1     1      ·        orders@2.0.0 ×2",
        "  c          ·         2     ·      ·        orders@1.4.0 ×1, orders@2.0.0 ×1",
        "  (no zone)  ·         1     ·      ·        orders@1.4.0 ×1",
      ].join("\n"),
    );
    expect(stdout).not.toContain("Nodes by service and build");
  });

  test("--json adds the groups by value and the blockers per value, leaving the rest of format 2 as it is", async () => {
    const fleet = await zonedFleet();
    const { output } = await fleet.json<StatusJson>(["status", ORDERS, "--by", "zone"]);
    expect(Object.keys(output)).toEqual(["format", "at", "plane", "memberCount", "capabilities", "groups", "members", "by"]);
    expect(output.by?.label).toBe("zone");
    expect(output.by?.groups).toEqual([
      { label: "zone", value: "a", starting: 0, live: 3, stale: 0, expired: 0, nodeIds: ["a-1", "a-2", "a-3"], builds: { "orders@2.0.0": 3 } },
      { label: "zone", value: "b", starting: 0, live: 1, stale: 1, expired: 0, nodeIds: ["b-1", "b-2"], builds: { "orders@2.0.0": 2 } },
      { label: "zone", value: "c", starting: 0, live: 2, stale: 0, expired: 0, nodeIds: ["c-1", "c-old-1"], builds: { "orders@1.4.0": 1, "orders@2.0.0": 1 } },
      { label: "zone", value: null, starting: 0, live: 1, stale: 0, expired: 0, nodeIds: ["lab-1"], builds: { "orders@1.4.0": 1 } },
    ]);
    const [orders] = output.capabilities;
    expect(orders?.blockersBy?.map((group) => [group.value, group.blockers, group.blockerGroups.map((blockers) => blockers.reason)])).toEqual([
      ["c", 1, ["no-reader"]],
      [null, 1, ["no-reader"]],
    ]);
    const { output: plain } = await fleet.json<StatusJson>(["status", ORDERS]);
    expect(plain.by).toBeUndefined();
    expect(plain.capabilities[0]?.blockersBy).toBeUndefined();
  });

  test("a label no member has puts every member under no value", async () => {
    const fleet = await zonedFleet();
    const { stdout } = await fleet.run(["status", "--by", "rack"]);
    expect(stdout).toContain(
      "Nodes by rack\n  RACK       STARTING  LIVE  STALE  EXPIRED  BUILDS\n  (no rack)  ·         7     1      ·        orders@1.4.0 ×2, orders@2.0.0 ×6\n",
    );
  });
});
