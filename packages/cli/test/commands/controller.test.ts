import type { RolloutPlan } from "@twostep/fleet";
import { describe, expect, test, vi } from "vitest";
import { ORDERS, type TestFleet, useFleets, WHO } from "../support/memory-fleet.js";
import { documentedPlan, ZONES } from "../support/documented-plan.js";
import { startInProcess } from "../support/test-context.js";

const newFleet = useFleets();

/** The steps of the documented plan, each baking 20 s (on the fleet's clock), judged every 2 s, gated on convergence only. */
const plan: RolloutPlan = {
  ...documentedPlan(),
  steps: documentedPlan().steps.map((step) => ({ ...step, bakeMs: 20_000 })),
  gates: [{ kind: "convergence", name: "converged" }],
  intervalMs: 2_000,
};

/** What the plan applies, in order, after the fleet's v1. */
const STEPS = [
  "enable v1",
  "enable v2 at 10% by key where zone=us-east-1a",
  "enable v2 where zone=us-east-1a",
  "enable v2 where zone=us-east-1a|us-east-1b",
  "enable v2",
];

/** A controller waits on its own (real) timer; the fleet's clock moves only when a test moves it. */
const waiting = { timeout: 20_000, interval: 10 } as const;

async function zones(): Promise<TestFleet> {
  const fleet = newFleet();
  for (const zone of ZONES) await fleet.add({ prefix: `${zone}-`, count: 2, service: "orders", build: "orders@2.0.0", reads: 2, labels: { zone } });
  await fleet.coordinator().enableWrite(ORDERS, 1, WHO);
  await fleet.heartbeat();
  return fleet;
}

/** `twostep controller ...argv` in process on `fleet`, until its `stop()`. */
function startController(fleet: TestFleet, argv: readonly string[] = []) {
  const interrupt = new AbortController();
  const running = startInProcess(["controller", "--tick", "5", "--lease", "60", ...argv], {
    plane: fleet.plane,
    clock: fleet.clock.now,
    signal: interrupt.signal,
  });
  const lines = () => running.stdout().trimEnd().split("\n");
  return {
    ...running,
    lines,
    /** Waits until it printed a line matching `pattern`, moving the fleet's clock on by 1 s (nodes heartbeat) while it waits. */
    printed: (pattern: RegExp) =>
      vi.waitFor(async () => {
        if (!lines().some((line) => pattern.test(line))) {
          await fleet.advance(1_000);
          throw new Error(`not printed yet: ${pattern}`);
        }
      }, waiting),
    stop: () => {
      interrupt.abort();
      return running.done;
    },
  };
}

async function appliedSteps(fleet: TestFleet): Promise<string[]> {
  return (await fleet.coordinator().history({ capability: ORDERS })).filter((entry) => entry.note.action === "enable-write").map((entry) => entry.note.request);
}

describe("controller", () => {
  test("advances a plan step by step, a line per thing it does, and gives its lease up when interrupted", async () => {
    const fleet = await zones();
    const controller = startController(fleet);
    await controller.printed(/ lease-acquired {2}controller-[0-9a-f]{8} on /);
    await fleet.coordinator().rollouts().start(ORDERS, plan, WHO);
    await controller.printed(/ step-applied {4}orders\.OrderPlaced: step 1 of 4: zone=us-east-1a, 10%, bake 20 s$/);
    await controller.printed(/ step-baked {6}orders\.OrderPlaced: step 1 of 4/);
    await controller.printed(/ step-applied {4}orders\.OrderPlaced: step 2 of 4: zone=us-east-1a, 100%, bake 20 s$/);
    await controller.printed(/ rollout-done {4}orders\.OrderPlaced: step 4 of 4: every node, 100%, bake 20 s$/);
    const run = await controller.stop();
    expect(run.code).toBe(0);
    const lines = controller.lines();
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d started {9}controller controller-[0-9a-f]{8}: lease 60 s, looks every 5 ms$/);
    expect(lines.at(-1)).toMatch(/^\d\d:\d\d:\d\d stopped {9}controller controller-[0-9a-f]{8}: gave the lease up: another controller takes over at once$/);
    expect(lines.filter((line) => line.includes("step-applied"))).toHaveLength(4);
    expect(await appliedSteps(fleet)).toEqual(STEPS);
    expect((await fleet.coordinator().status(ORDERS)).capabilities[0]?.record).toMatchObject({ level: 2, ramp: null });
    const lease = await fleet.coordinator().rollouts().controllerLease();
    expect(lease?.until).toBeLessThanOrEqual(fleet.clock.now());
  });

  test("a second controller waits while the first holds the lease, and takes over where the plan stands once it stops: no step skipped or repeated", async () => {
    const fleet = await zones();
    const first = startController(fleet);
    await first.printed(/ lease-acquired /);
    const holder = /controller (controller-[0-9a-f]{8}):/.exec(first.lines()[0] ?? "")?.[1] ?? "?";
    const second = startController(fleet);
    await vi.waitFor(
      () => expect(second.lines()[1]).toMatch(new RegExp(`^ {2}waiting: ${holder} on \\S+ holds the lease until \\d\\d:\\d\\d:\\d\\d; this one takes over`)),
      waiting,
    );
    await fleet.coordinator().rollouts().start(ORDERS, plan, WHO);
    await first.printed(/ step-applied {4}orders\.OrderPlaced: step 1 of 4/);
    expect(second.lines().some((line) => line.includes("lease-acquired"))).toBe(false);
    await first.stop();
    await second.printed(new RegExp(` lease-acquired {2}controller-[0-9a-f]{8} on \\S+, after ${holder}'s lease ran out$`));
    await second.printed(/ rollout-done {4}orders\.OrderPlaced/);
    await second.stop();
    expect(first.lines().some((line) => line.includes("step-applied") && line.includes("step 2 of 4"))).toBe(false);
    expect(second.lines().some((line) => line.includes("step-applied") && line.includes("step 1 of 4"))).toBe(false);
    expect(await appliedSteps(fleet)).toEqual(STEPS);
  });

  test("--json prints one event per line", async () => {
    const fleet = await zones();
    const controller = startController(fleet, ["--json"]);
    await controller.printed(/"event":"lease-acquired"/);
    await fleet.coordinator().rollouts().start(ORDERS, plan, WHO);
    await controller.printed(/"event":"step-applied"/);
    await controller.stop();
    const events = controller.lines().map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events[0]).toEqual({
      event: "started",
      controller: expect.stringMatching(/^controller-/),
      leaseMs: 60_000,
      tickMs: 5,
      metrics: null,
      at: expect.any(Number),
    });
    expect(events).toContainEqual({ event: "lease-acquired", capability: null, detail: expect.stringContaining(" on "), at: expect.any(Number) });
    expect(events).toContainEqual({
      event: "step-applied",
      capability: ORDERS,
      detail: "step 1 of 4: zone=us-east-1a, 10%, bake 20 s",
      at: expect.any(Number),
    });
    expect(events.at(-1)).toEqual({ event: "stopped", controller: events[0]?.["controller"], released: true, at: expect.any(Number) });
  });

  test("--metrics-port serves the fleet's metrics on loopback while it runs", async () => {
    const fleet = await zones();
    const controller = startController(fleet, ["--metrics-port", "0"]);
    await controller.printed(/ lease-acquired /);
    const url = /metrics at (http:\/\/127\.0\.0\.1:\d+\/metrics)$/.exec(controller.lines()[0] ?? "")?.[1];
    expect(url).toBeDefined();
    await fleet.coordinator().rollouts().start(ORDERS, plan, WHO);
    await controller.printed(/ step-applied /);
    const metrics = await (await fetch(url ?? "")).text();
    expect(metrics).toContain('twostep_fleet_members{state="live"} 6');
    expect(metrics).toContain('twostep_rollout_state{capability="orders.OrderPlaced",state="running"} 1');
    await controller.stop();
    await expect(fetch(url ?? "")).rejects.toThrow();
  });

  test("usage errors exit 2 before connecting", async () => {
    const fleet = newFleet();
    for (const [argv, message] of [
      [["--metrics-port", "70000"], "give a port from 0 to 65535"],
      [["--tick", "0"], "give a whole number of 1 or more"],
      [["--lease", "-1"], "give a number of seconds above 0"],
    ] as const) {
      const run = await fleet.run(["controller", ...argv]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(message);
      expect(run.connections).toEqual([]);
    }
  });
});
