import { isTwostepError } from "@twostep/core";
import { Coordinator, type FleetNode, MemoryControlPlane, RolloutController, type RolloutPlan, Rollouts, startNode } from "@twostep/fleet";
import { fleetMetrics, MetricsErrorCode } from "@twostep/prometheus";
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { ordersProtocol, TYPE, WHO } from "./support/orders-protocol.js";
import { seriesOf, seriesValue } from "./support/read-metrics.js";

// One clock for the control plane, the coordinator, the controller and the nodes: time passes when a test says so.
let now = 1_700_000_000_000;
const clock = () => now;

let plane: MemoryControlPlane;
let coordinator: Coordinator;
let rollouts: Rollouts;
let registry: Registry;
let nodes: FleetNode[];

beforeEach(() => {
  plane = new MemoryControlPlane({ clock });
  coordinator = new Coordinator(plane, { clock });
  rollouts = new Rollouts(plane, coordinator, { clock });
  registry = fleetMetrics(coordinator, rollouts, new Registry()).registry;
  nodes = [];
});

afterEach(async () => {
  await Promise.all(nodes.map((node) => node.stop()));
});

async function node(nodeId: string, reads: number): Promise<FleetNode> {
  const started = await startNode({
    controlPlane: plane,
    protocol: ordersProtocol(reads),
    nodeId,
    service: "orders",
    build: `b${reads}`,
    heartbeatMs: 1e9,
    clock,
  });
  nodes.push(started);
  return started;
}

/** Waits until every node applied the type's newest record, then has each report it in a heartbeat. */
async function converge(): Promise<void> {
  const revision = (await coordinator.status(TYPE)).capabilities[0]?.revision ?? 0;
  await vi.waitFor(() => expect(nodes.map((each) => each.appliedRevision(TYPE))).toEqual(nodes.map(() => revision)), { timeout: 10_000 });
  await Promise.all(nodes.map((each) => each.heartbeat()));
}

const gauge = (name: string, labels: Record<string, string | number> = {}) => seriesValue(registry, name, labels);

describe("fleetMetrics", () => {
  test("shows readers per level, blockers of the next level, members by state, convergence and the write level", async () => {
    await node("n1", 2);
    await node("n2", 2);
    const old = await node("n3", 1);
    await coordinator.enableWrite(TYPE, 1, WHO);
    await converge();

    expect(await gauge("twostep_fleet_members", { state: "live" })).toBe(3);
    for (const state of ["starting", "stale", "expired"]) expect(await gauge("twostep_fleet_members", { state })).toBe(0);
    expect(await gauge("twostep_fleet_readers", { capability: TYPE, level: 1 })).toBe(3);
    expect(await gauge("twostep_fleet_readers", { capability: TYPE, level: 2 })).toBe(2);
    expect(await gauge("twostep_fleet_next_level_blockers", { capability: TYPE, level: 2 })).toBe(1);
    expect(await gauge("twostep_fleet_capability_members", { capability: TYPE })).toBe(3);
    expect(await gauge("twostep_fleet_applied_members", { capability: TYPE })).toBe(3);
    expect(await gauge("twostep_fleet_write_level", { capability: TYPE })).toBe(1);
    expect(await gauge("twostep_fleet_record_revision", { capability: TYPE })).toBe((await coordinator.status(TYPE)).capabilities[0]?.revision);
    expect(await gauge("twostep_fleet_ramp_level", { capability: TYPE })).toBeUndefined();
    expect(await gauge("twostep_fleet_store_regressed")).toBe(0);
    expect(await gauge("twostep_fleet_unreadable_records")).toBe(0);

    await old.stop();
    expect(await gauge("twostep_fleet_members", { state: "live" })).toBe(2);
    expect(await gauge("twostep_fleet_next_level_blockers", { capability: TYPE, level: 2 })).toBe(0);
  });

  test("shows each rollout's state, step, target and its gates' last verdicts, and the ramp it applied", async () => {
    await node("n1", 2);
    await node("n2", 2);
    await coordinator.enableWrite(TYPE, 1, WHO);
    await converge();
    const plan: RolloutPlan = {
      target: 2,
      steps: [
        { percent: 50, where: null, bakeMs: 60_000 },
        { percent: 100, where: null, bakeMs: 60_000 },
      ],
      gates: [{ kind: "convergence", name: "converged" }],
      intervalMs: 1_000,
    };
    await rollouts.start(TYPE, plan, WHO);
    const states = async () =>
      Object.fromEntries((await seriesOf(registry, "twostep_rollout_state", { capability: TYPE })).map((series) => [series.labels["state"], series.value]));
    expect(await states()).toEqual({ running: 1, holding: 0, paused: 0, failed: 0, aborted: 0, done: 0 });
    expect(await gauge("twostep_rollout_step", { capability: TYPE })).toBe(1);
    expect(await gauge("twostep_rollout_steps", { capability: TYPE })).toBe(2);
    expect(await gauge("twostep_rollout_target_level", { capability: TYPE })).toBe(2);
    expect(await seriesOf(registry, "twostep_rollout_gate_verdict")).toEqual([]);

    const controller = new RolloutController(plane, { clock });
    await controller.tick();
    await converge();
    now += plan.intervalMs ?? 0;
    await controller.tick();
    expect(await gauge("twostep_fleet_ramp_level", { capability: TYPE })).toBe(2);
    expect(await gauge("twostep_fleet_ramp_ratio", { capability: TYPE })).toBe(0.5);
    expect(await gauge("twostep_rollout_gate_verdict", { capability: TYPE, gate: "converged", verdict: "pass" })).toBe(1);
    expect(await gauge("twostep_rollout_gate_verdict", { capability: TYPE, gate: "converged", verdict: "fail" })).toBe(0);

    await rollouts.abort(TYPE, WHO);
    expect((await states())["aborted"]).toBe(1);
    expect(await gauge("twostep_fleet_ramp_level", { capability: TYPE })).toBeUndefined();
  });

  test("reads the status and the rollouts once per scrape, whatever the number of gauges", async () => {
    const reads = { status: 0, list: 0 };
    const own = fleetMetrics(
      {
        status: (capability?: string) => {
          reads.status++;
          return coordinator.status(capability);
        },
      },
      {
        list: () => {
          reads.list++;
          return rollouts.list();
        },
      },
      new Registry(),
    );
    await own.registry.metrics();
    expect(reads).toEqual({ status: 1, list: 1 });
    await own.registry.metrics();
    expect(reads).toEqual({ status: 2, list: 2 });
  });

  test("a scrape fails when the status cannot be read, rather than showing old values", async () => {
    const own = fleetMetrics({ status: () => Promise.reject(new Error("the control plane is unreachable")) }, rollouts, new Registry());
    await expect(own.registry.metrics()).rejects.toThrow("the control plane is unreachable");
  });

  test("a second fleetMetrics on one registry is refused", () => {
    let refused: unknown;
    try {
      fleetMetrics(coordinator, rollouts, registry);
    } catch (error) {
      refused = error;
    }
    expect(isTwostepError(refused, MetricsErrorCode.AlreadyRegistered)).toBe(true);
  });
});
