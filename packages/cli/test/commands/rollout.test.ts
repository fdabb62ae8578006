import type { RolloutChangeJson, RolloutPlanJson, RolloutStatusJson } from "@twostep/cli";
import { RolloutController } from "@twostep/fleet";
import { describe, expect, test } from "vitest";
import { ORDERS, type TestFleet, useFleets, WHO } from "../support/memory-fleet.js";
import { documentedPlan, documentedPlanWithoutPrometheus, ZONES } from "../support/documented-plan.js";
import { useTempFiles } from "../support/temp-files.js";

const newFleet = useFleets();
const files = useTempFiles();
const change = ["--reason", "v2 by zone", "--yes"];
/** The plan of docs/rollouts.md; without its Prometheus gate where a test judges gates. */
const documented = documentedPlan();
const plan = documentedPlanWithoutPrometheus();

/** Two nodes in each zone of the documented plan that read v2, writing v1; with `old`, one more in us-east-1c that reads only v1. */
async function zones(options: { readonly old?: boolean } = {}): Promise<TestFleet> {
  const fleet = newFleet();
  for (const zone of ZONES) await fleet.add({ prefix: `${zone}-`, count: 2, service: "orders", build: "orders@2.0.0", reads: 2, labels: { zone } });
  if (options.old === true) await fleet.add({ prefix: "old-", count: 1, service: "orders", build: "orders@1.4.0", labels: { zone: "us-east-1c" } });
  await fleet.coordinator().enableWrite(ORDERS, 1, WHO);
  await fleet.heartbeat();
  return fleet;
}

/** A controller of the library on the fleet's clock, and a look of it: the clock moves on by the plan's interval, the nodes heartbeat, orders flow between them, they report them, it looks. */
function controllerOf(fleet: TestFleet) {
  const controller = new RolloutController(fleet.plane, { clock: fleet.clock.now, id: "c-1", leaseMs: 60_000 });
  const look = async (ms = plan.intervalMs ?? 0) => {
    // Past the nodes' lease: the first heartbeats renew it, before they write again.
    await fleet.advance(ms);
    for (const writer of fleet.nodes) {
      for (let index = 0; index < 100; index++) {
        const frame = writer.encode(ORDERS, { id: `${writer.nodeId}-${index}` }, { key: `${writer.nodeId}-${index}` });
        for (const reader of fleet.nodes) if (reader !== writer) reader.decode(frame);
      }
    }
    await fleet.heartbeat();
    await controller.tick();
    await fleet.settle();
  };
  return { controller, look };
}

function writersOf(fleet: TestFleet, level: number): string[] {
  return fleet.nodes.filter((node) => node.writeLevel(ORDERS, { key: "k" }) === level).map((node) => node.nodeId);
}

async function actions(fleet: TestFleet): Promise<string[]> {
  return (await fleet.coordinator().history({ capability: ORDERS })).map((entry) => `${entry.note.action} by ${entry.note.actor}: ${entry.note.reason}`);
}

describe("rollout start", () => {
  test("--dry-run shows the documented plan, with the defaults of what it leaves out, and its first step's dry run; it stores nothing", async () => {
    const fleet = await zones();
    const { intervalMs: _, onFailure: __, onInconclusive: ___, ...defaults } = documented;
    const file = await files.file("plan.json", defaults);
    const dry = await fleet.run(["rollout", "start", ORDERS, "--plan", file, "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("Rollout plan for orders.OrderPlaced: v1 → v2 in 4 steps\n");
    expect(dry.stdout).toContain(
      [
        "  steps     1  zone=us-east-1a             10%   bake 15 min",
        "            2  zone=us-east-1a             100%  bake 15 min",
        "            3  zone=us-east-1a|us-east-1b  100%  bake 15 min",
        "            4  every node                  100%  bake 30 min",
        "  gates     decode failures     frame health: fails above 1% of v2 frames failing to decode and 0.5% above v1's rate, over 5 min; inconclusive under 200 frames",
        "            p99 decode latency  prometheus at http://prometheus.internal:9090: histogram_quantile(0.99, ",
      ].join("\n"),
    );
    expect(dry.stdout).toContain("[5m]))) must be at most 0.005\n");
    expect(dry.stdout).toContain("  settings  judged every 10 s; a failing gate: revert the writers to v1; an inconclusive one: hold\nFirst step:\n");
    expect(dry.stdout).toContain("  Plan for orders.OrderPlaced: enable v2 at 10% by key where zone=us-east-1a\n");
    expect(dry.stdout).toContain("    after     writes v1, ramp to v2 at 10% by key where zone=us-east-1a\n");
    expect(dry.stdout).toContain("    allowed: no member and no rule stands in its way\ndry run: nothing changed\n");
    const { run, output } = await fleet.json<{ dryRun: boolean; plan: RolloutPlanJson; change: null }>([
      "rollout",
      "start",
      ORDERS,
      "--plan",
      file,
      "--dry-run",
    ]);
    expect(run.code).toBe(0);
    expect(output).toMatchObject({
      dryRun: true,
      change: null,
      plan: {
        capability: ORDERS,
        action: "start",
        before: null,
        after: {
          state: "running",
          from: 1,
          target: 2,
          step: 1,
          steps: 4,
          phase: "applying",
          record: { intervalMs: 10_000, onFailure: "revert", onInconclusive: "hold" },
        },
        writers: { request: "enable v2 at 10% by key where zone=us-east-1a", allowed: true, participants: 6 },
        problems: [],
        allowed: true,
      },
    });
    expect(await fleet.coordinator().rollouts().get(ORDERS)).toBeUndefined();
  });

  test("starts the plan, recorded with actor and reason, and says that no controller acts yet; --json gives the change", async () => {
    const fleet = await zones();
    const file = await files.file("plan.json", plan);
    const started = await fleet.run(["rollout", "start", ORDERS, "--plan", file, ...change]);
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(/^done: start the rollout of orders\.OrderPlaced \([0-9a-f]{8}\), rev 0→\d+, recorded as tester: "v2 by zone"$/m);
    expect(started.stdout).toContain("  now step 1 of 4: zone=us-east-1a, 10%, to be applied, gates not judged yet\n");
    expect(started.stdout).toContain("  no controller acts: the plan waits until one runs (twostep controller)\n");
    expect(await actions(fleet)).toContain("rollout-start by tester: v2 by zone");
    const other = await zones();
    const { run, output } = await other.json<{ dryRun: boolean; change: RolloutChangeJson }>([
      "rollout",
      "start",
      ORDERS,
      "--plan",
      file,
      "--reason",
      "r",
      "--actor",
      "alice",
      "--yes",
    ]);
    expect(run.code).toBe(0);
    expect(output.dryRun).toBe(false);
    expect(output.change).toMatchObject({
      capability: ORDERS,
      action: "start",
      revisionBefore: 0,
      revisionAfter: expect.any(Number),
      rollout: { state: "running", step: 1, summary: "step 1 of 4: zone=us-east-1a, 10%, to be applied, gates not judged yet" },
      note: { action: "rollout-start", actor: "alice", reason: "r", request: "start rollout of v2: step 1 of 4: zone=us-east-1a, 10%, bake 15 min" },
    });
  });

  test("is refused with the blockers while its first step would be (exit 1), dry run or not, and the refusal is recorded", async () => {
    const fleet = await zones({ old: true });
    const file = await files.file("plan.json", plan);
    const dry = await fleet.run(["rollout", "start", ORDERS, "--plan", file, "--dry-run"]);
    expect(dry.code).toBe(1);
    expect(dry.stdout).toContain("    would be refused: blocked by 1 member:\n      1 × no reader of v2 in build orders@1.4.0 (service orders): old-1\n");
    const refused = await fleet.run(["rollout", "start", ORDERS, "--plan", file, ...change]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("refused: the first step of the plan would be refused: some members block it\n");
    expect(refused.stderr).toContain("  1 × no reader of v2 in build orders@1.4.0 (service orders): old-1\n  → deploy a build that reads v2 on orders\n");
    const { run, output } = await fleet.json(["rollout", "start", ORDERS, "--plan", file, ...change]);
    expect(run.code).toBe(1);
    expect(output).toMatchObject({ error: { code: "UNSAFE_CHANGE", exitCode: 1, blockerGroups: [{ reason: "no-reader", nodeIds: ["old-1"] }] } });
    expect((await actions(fleet)).at(-1)).toBe("refused by tester: v2 by zone / the first step of the plan would be refused: some members block it");
    expect(await fleet.coordinator().rollouts().get(ORDERS)).toBeUndefined();
  });

  test("while another rollout of the capability is under way: an invalid request (exit 2); its dry run says so (exit 1)", async () => {
    const fleet = await zones();
    const file = await files.file("plan.json", plan);
    expect((await fleet.run(["rollout", "start", ORDERS, "--plan", file, ...change])).code).toBe(0);
    const dry = await fleet.run(["rollout", "start", ORDERS, "--plan", file, "--dry-run"]);
    expect(dry.code).toBe(1);
    expect(dry.stdout).toMatch(
      / {2}problem: a rollout of orders\.OrderPlaced is running \([0-9a-f-]{36}\): abort it first \(twostep rollout abort orders\.OrderPlaced\)/,
    );
    expect(dry.stdout).toContain("  would be refused: the problem above\n");
    const again = await fleet.run(["rollout", "start", ORDERS, "--plan", file, ...change]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("abort it first (twostep rollout abort orders.OrderPlaced)");
  });

  test.each([
    ["a file that is not there", null, "cannot read the plan nowhere.json (ENOENT): check the path given to --plan"],
    ["a file that is no JSON", "{ steps: ", "is not JSON"],
    ["a plan without steps", { target: 2, steps: [] }, "the rollout plan is not valid: steps: "],
    ["a plan with an unknown field", { ...plan, bake: 5 }, 'Unrecognized key: "bake"'],
    [
      "a plan naming two gates alike",
      { ...plan, gates: [plan.gates?.[0], plan.gates?.[0]] },
      'the rollout plan names two gates "decode failures": give each its own name',
    ],
  ])("%s is a usage error (exit 2), before connecting", async (_, content, message) => {
    const fleet = newFleet();
    const file = content === null ? "nowhere.json" : await files.file("plan.json", content);
    const run = await fleet.run(["rollout", "start", ORDERS, "--plan", file, ...change], { cwd: files.dir() });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.connections).toEqual([]);
  });
});

describe("rollout status", () => {
  test("says where each rollout stands, each gate's last verdict, and who holds the controller lease until when", async () => {
    const fleet = await zones();
    const file = await files.file("plan.json", plan);
    await fleet.run(["rollout", "start", ORDERS, "--plan", file, ...change]);
    const { controller, look } = controllerOf(fleet);
    // Applied, converged (the bake starts), then the frame-health gate has its 200 frames of v2 in 5 min.
    for (let looks = 0; looks < 4; looks++) await look();
    const { code, stdout } = await fleet.run(["rollout", "status"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Controller {2}c-1 on \S+ holds the lease until 2026-01-01 10:03:00Z \(60 s left\), since 2026-01-01 10:00:30Z$/m);
    expect(stdout).toMatch(/^orders\.OrderPlaced {2}rollout [0-9a-f]{8} {2}v1 → v2 {2}running {2}rev \d+$/m);
    expect(stdout).toContain("\n  step 1 of 4: zone=us-east-1a, 10%, bake 14 min left, gates passing\n");
    expect(stdout).toContain(
      [
        "  steps        1  zone=us-east-1a             10%   bake 15 min  ◂ baking",
        "               2  zone=us-east-1a             100%  bake 15 min",
        "               3  zone=us-east-1a|us-east-1b  100%  bake 15 min",
        "               4  every node                  100%  bake 30 min",
        "  gates        decode failures  pass  0.00% of ",
      ].join("\n"),
    );
    expect(stdout).toMatch(/ frames of v2 failed \(v1: 0\.00% of \d+\) \(2026-01-01 10:02:00Z\)\n/);
    expect(stdout).toContain("  settings     judged every 30 s; a failing gate: revert the writers to v1; an inconclusive one: hold\n");
    expect(stdout).toMatch(
      / {2}last change {2}2026-01-01 10:02:00Z controller c-1 rollout-judge: "rollout [0-9a-f-]{36}: step 1 of 4: zone=us-east-1a, 10%, bake 15 min"/,
    );
    const { output } = await fleet.json<RolloutStatusJson>(["rollout", "status", ORDERS]);
    expect(Object.keys(output)).toEqual(["format", "at", "controller", "rollouts", "unreadable"]);
    expect(output).toMatchObject({ format: 1, at: fleet.clock.now(), controller: { holder: "c-1", active: true }, unreadable: [] });
    const [rollout] = output.rollouts;
    expect(Object.keys(rollout ?? {})).toEqual([
      "capability",
      "id",
      "revision",
      "state",
      "from",
      "target",
      "step",
      "steps",
      "percent",
      "where",
      "phase",
      "bakeLeftMs",
      "gates",
      "summary",
      "why",
      "record",
    ]);
    expect(rollout).toMatchObject({ state: "running", step: 1, steps: 4, percent: 10, where: { zone: ["us-east-1a"] }, phase: "baking", why: null });
    expect(rollout?.bakeLeftMs).toBe(900_000 - (fleet.clock.now() - (rollout?.record.bakeStartedAt ?? 0)));
    expect(rollout?.gates).toEqual([
      {
        name: "decode failures",
        kind: "frame-health",
        verdict: "pass",
        detail: expect.stringContaining("frames of v2 failed"),
        value: 0,
        at: fleet.clock.now(),
      },
    ]);
    await controller.stop();
    fleet.clock.advance(30_000);
    const stopped = await fleet.run(["rollout", "status"]);
    expect(stopped.stdout).toMatch(
      /^Controller {2}none acting: the lease of c-1 on \S+ ran out 30 s ago; rollouts do not advance until a controller runs \(twostep controller\)$/m,
    );
  });

  test("without a rollout or a controller, says so", async () => {
    const fleet = await zones();
    const all = await fleet.run(["rollout", "status"]);
    expect(all.code).toBe(0);
    expect(all.stdout).toBe(
      "Controller  none has run yet: rollouts do not advance until one does (twostep controller)\n\nNo rollout yet: start one with twostep rollout start CAPABILITY --plan FILE.\n",
    );
    const one = await fleet.run(["rollout", "status", ORDERS]);
    expect(one.stdout).toContain("orders.OrderPlaced has no rollout: start one with twostep rollout start orders.OrderPlaced --plan FILE.");
    const { output } = await fleet.json<RolloutStatusJson>(["rollout", "status"]);
    expect(output).toEqual({ format: 1, at: fleet.clock.now(), controller: null, rollouts: [], unreadable: [] });
  });
});

describe("rollout pause, resume, promote, abort, retry", () => {
  test("each is a change with its preview, recorded with actor and reason; abort reverts the writers; --dry-run changes nothing", async () => {
    const fleet = await zones();
    const file = await files.file("plan.json", plan);
    await fleet.run(["rollout", "start", ORDERS, "--plan", file, ...change]);
    const { look } = controllerOf(fleet);
    await look();
    expect((await fleet.coordinator().status(ORDERS)).capabilities[0]?.record?.ramp).toMatchObject({ to: 2, percent: 10, where: { zone: ["us-east-1a"] } });
    const dry = await fleet.run(["rollout", "pause", ORDERS, "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^Plan for the rollout of orders\.OrderPlaced \([0-9a-f]{8}\): pause$/m);
    expect(dry.stdout).toContain("  now    step 1 of 4: zone=us-east-1a, 10%, waiting for the members to apply it, gates not judged yet\n");
    expect(dry.stdout).toContain("  after  step 1 of 4: zone=us-east-1a, 10%, waiting for the members to apply it, gates not judged yet; paused\n");
    expect(dry.stdout).toContain("dry run: nothing changed\n");
    const pause = await fleet.run(["rollout", "pause", ORDERS, "--reason", "freeze", "--actor", "bob", "--yes"]);
    expect(pause.code).toBe(0);
    expect(pause.stdout).toMatch(/^done: pause the rollout of orders\.OrderPlaced \([0-9a-f]{8}\), rev \d+→\d+, recorded as bob: "freeze"$/m);
    expect(pause.stdout).toContain("  now step 1 of 4: zone=us-east-1a, 10%, waiting for the members to apply it, gates not judged yet; paused: freeze\n");
    // Paused through more than its bake: the controller leaves it.
    for (let passed = 0; passed < 1_200_000; passed += 30_000) await look();
    expect((await fleet.coordinator().rollouts().get(ORDERS))?.rollout).toMatchObject({ state: "paused", step: 0 });
    const resume = await fleet.run(["rollout", "resume", ORDERS, "--reason", "freeze over", "--yes"]);
    expect(resume.stdout).toContain("  c-1 advances it (twostep rollout status orders.OrderPlaced)\n");
    const promote = await fleet.run(["rollout", "promote", ORDERS, "--reason", "clean for a day", "--yes"]);
    expect(promote.code).toBe(0);
    expect(promote.stdout).toContain("  now step 2 of 4: zone=us-east-1a, 100%, to be applied, gates not judged yet\n");
    await look();
    expect(writersOf(fleet, 2)).toEqual(["us-east-1a-1", "us-east-1a-2"]);
    const abortDry = await fleet.run(["rollout", "abort", ORDERS, "--dry-run"]);
    expect(abortDry.code).toBe(0);
    expect(abortDry.stdout).toContain("  writers:\n    Plan for orders.OrderPlaced: revert ramp\n");
    expect(abortDry.stdout).toContain("      after     writes v1\n");
    expect(writersOf(fleet, 2)).toHaveLength(2);
    const abort = await fleet.run(["rollout", "abort", ORDERS, "--reason", "errors in the canary", "--yes"]);
    expect(abort.code).toBe(0);
    expect(abort.stdout).toContain("  now aborted at step 2 of 4: errors in the canary\n");
    await fleet.settle();
    expect(writersOf(fleet, 2)).toEqual([]);
    const retry = await fleet.run(["rollout", "retry", ORDERS, "--reason", "fixed", "--yes"]);
    expect(retry.stdout).toContain("  now step 2 of 4: zone=us-east-1a, 100%, to be applied, gates not judged yet\n");
    await look();
    expect(writersOf(fleet, 2)).toEqual(["us-east-1a-1", "us-east-1a-2"]);
    const recorded = await actions(fleet);
    for (const entry of [
      "rollout-pause by bob: freeze",
      "rollout-resume by tester: freeze over",
      "rollout-promote by tester: clean for a day",
      "guard-revert by tester: errors in the canary",
      "rollout-abort by tester: errors in the canary",
      "rollout-retry by tester: fixed",
    ])
      expect(recorded).toContain(entry);
  });

  test("--json gives the rollout before and after, the writers' revert of an abort, and the change with its note", async () => {
    const fleet = await zones();
    const file = await files.file("plan.json", plan);
    await fleet.run(["rollout", "start", ORDERS, "--plan", file, ...change]);
    await controllerOf(fleet).look();
    const { output: paused } = await fleet.json<{ dryRun: boolean; plan: RolloutPlanJson; change: RolloutChangeJson }>([
      "rollout",
      "pause",
      ORDERS,
      "--reason",
      "freeze",
      "--yes",
    ]);
    expect(paused).toMatchObject({
      dryRun: false,
      plan: { capability: ORDERS, action: "pause", before: { state: "running" }, after: { state: "paused", why: "freeze" }, writers: null, allowed: true },
      change: {
        capability: ORDERS,
        action: "pause",
        rollout: { state: "paused", why: "freeze" },
        note: { action: "rollout-pause", actor: "tester", reason: "freeze" },
      },
    });
    expect(paused.change.revisionAfter).toBeGreaterThan(paused.change.revisionBefore);
    const { output: aborted } = await fleet.json<{ dryRun: boolean; plan: RolloutPlanJson; change: null }>(["rollout", "abort", ORDERS, "--dry-run"]);
    expect(aborted).toMatchObject({
      dryRun: true,
      change: null,
      plan: { action: "abort", after: { state: "aborted" }, writers: { request: "revert ramp", allowed: true } },
    });
  });

  test.each([
    ["resume of a running rollout", ["resume"], "the rollout of orders.OrderPlaced is running; this needs it paused"],
    ["retry of a running rollout, as a dry run", ["retry", "--dry-run"], "this needs it failed or aborted"],
    ["promote of a step not applied yet", ["promote"], "step 1 of the rollout of orders.OrderPlaced is not applied yet: promote once it is"],
  ])("%s is an invalid request (exit 2)", async (_, [action = "", ...more], message) => {
    const fleet = await zones();
    await fleet.run(["rollout", "start", ORDERS, "--plan", await files.file("plan.json", plan), ...change]);
    const run = await fleet.run(["rollout", action, ORDERS, ...(more.length > 0 ? more : change)]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });

  test("of a capability without a rollout: an invalid request (exit 2) that says how to start one", async () => {
    const fleet = await zones();
    const run = await fleet.run(["rollout", "pause", ORDERS, ...change]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("orders.OrderPlaced has no rollout: start one with twostep rollout start");
  });
});
