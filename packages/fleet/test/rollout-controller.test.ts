import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { encodeEnvelopeHead, isTwostepError } from "@twostep/core";
import { type ControllerEvent, type FleetNode, FleetErrorCode, RolloutController, type RolloutPlan, Rollouts } from "@twostep/fleet";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { FleetHarness, TYPE, WHO } from "./support/fleet-harness.js";
import { hookedControlPlane } from "./support/hooked-control-plane.js";

let fleet: FleetHarness;
let rollouts: Rollouts;
const zones = ["a", "b", "c"] as const;

/** Three waves by zone (cumulative), then every node at 100%, each baking 60 s, judged every 5 s. */
const plan: RolloutPlan = {
  target: 2,
  steps: [
    { percent: 100, where: { zone: ["a"] }, bakeMs: 60_000 },
    { percent: 100, where: { zone: ["a", "b"] }, bakeMs: 60_000 },
    { percent: 100, where: null, bakeMs: 60_000 },
  ],
  gates: [
    { kind: "convergence", name: "converged" },
    { kind: "frame-health", name: "decode failures", maxFailureRate: 0.02, maxIncrease: 0.01, minFrames: 20, windowMs: 30_000 },
  ],
  intervalMs: 5_000,
};

beforeEach(async () => {
  fleet = new FleetHarness();
  rollouts = new Rollouts(fleet.plane, fleet.coordinator, { clock: fleet.clock.now });
  for (const zone of zones) for (const index of [1, 2]) await fleet.node(`${zone}-${index}`, "b2-new", { labels: { zone } });
  await fleet.coordinator.enableWrite(TYPE, 1, WHO);
  await fleet.settle();
});

afterEach(() => fleet.close());

/** Every node writes a few frames to every other node, which decodes them; `poison` frames of v2 (and `poisonV1` of v1) fail to decode. */
function traffic(poison = 0, poisonV1 = 0): void {
  const nodes = fleet.nodes.filter((node) => !node.fenced);
  for (const writer of nodes) {
    for (let index = 0; index < 3; index++) {
      const frame = writer.encode(TYPE, { id: `${writer.nodeId}-${index}`, v: 2 }, { key: `${writer.nodeId}-${index}` });
      for (const reader of nodes) if (reader !== writer) reader.decode(frame);
    }
  }
  const bad = Uint8Array.of(...encodeEnvelopeHead(1, 2), 0x7b);
  for (let index = 0; index < poison; index++) nodes[index % nodes.length]?.decode(bad);
  const badV1 = Uint8Array.of(...encodeEnvelopeHead(1, 1), 0x7b);
  for (let index = 0; index < poisonV1; index++) nodes[index % nodes.length]?.decode(badV1);
}

/** Moves the clock by `ms` in 5 s ticks: traffic flows (none with `quiet`), nodes heartbeat, controllers look. */
async function run(ms: number, controllers: readonly RolloutController[], poison = 0, { poisonV1 = 0, quiet = false } = {}): Promise<void> {
  for (let passed = 0; passed < ms; passed += 5_000) {
    fleet.clock.advance(5_000);
    if (!quiet) traffic(poison, poisonV1);
    await fleet.heartbeat();
    for (const controller of controllers) await controller.tick();
    await fleet.settle();
  }
}

function writersOf(level: number): string[] {
  return fleet.nodes.filter((node: FleetNode) => !node.fenced && node.writeLevel(TYPE, { key: "k" }) === level).map((node) => node.nodeId);
}

describe("a rollout plan", () => {
  test("rolls out zone by zone, waiting for each step to converge and bake, and ends with the target as the write level", async () => {
    const events: ControllerEvent[] = [];
    const controller = new RolloutController(fleet.plane, { clock: fleet.clock.now, onEvent: (event) => events.push(event) });
    await rollouts.start(TYPE, plan, WHO);
    await run(5_000, [controller]);
    expect(writersOf(2).sort()).toEqual(["a-1", "a-2"]);
    await run(70_000, [controller]);
    expect(writersOf(2).sort()).toEqual(["a-1", "a-2", "b-1", "b-2"]);
    await run(140_000, [controller]);
    const status = (await fleet.coordinator.status(TYPE)).capabilities[0];
    expect(status?.record).toMatchObject({ level: 2, ramp: null });
    expect((await rollouts.get(TYPE))?.rollout.state).toBe("done");
    expect(events.filter((event) => event.kind === "step-applied")).toHaveLength(3);
    const actions = (await fleet.coordinator.history({ capability: TYPE })).map((entry) => entry.note.action);
    expect(actions.filter((action) => action === "rollout-step")).toHaveLength(5);
    expect(actions.at(-1)).toBe("rollout-done");
  });

  test("a gate that fails reverts the writers within one interval, and the plan stops", async () => {
    const controller = new RolloutController(fleet.plane, { clock: fleet.clock.now });
    await rollouts.start(TYPE, plan, WHO);
    await run(10_000, [controller]);
    expect(writersOf(2).sort()).toEqual(["a-1", "a-2"]);
    await run(5_000, [controller], 40);
    await fleet.settle();
    const stored = await rollouts.get(TYPE);
    expect(stored?.rollout.state).toBe("failed");
    expect(stored?.rollout.why).toContain("decode failures");
    expect(writersOf(2)).toEqual([]);
    expect((await fleet.coordinator.history({ capability: TYPE })).some((entry) => entry.note.action === "guard-revert")).toBe(true);
  });

  test("a controller that dies is replaced by another once its lease ran out, which resumes where the plan stands: no step skipped or applied twice", async () => {
    const first = new RolloutController(fleet.plane, { clock: fleet.clock.now, id: "first" });
    const second = new RolloutController(fleet.plane, { clock: fleet.clock.now, id: "second" });
    await rollouts.start(TYPE, plan, WHO);
    await run(5_000, [first, second]);
    expect([first.leading, second.leading]).toEqual([true, false]);
    // `first` dies: it stops looking, without giving its lease up.
    await run(10_000, [second]);
    expect(second.leading).toBe(false);
    await run(300_000, [second]);
    expect(second.leading).toBe(true);
    expect((await rollouts.get(TYPE))?.rollout.state).toBe("done");
    const applied = (await fleet.coordinator.history({ capability: TYPE }))
      .filter((entry) => entry.note.action === "enable-write")
      .map((entry) => entry.note.request);
    expect(applied).toEqual(["enable v1", "enable v2 where zone=a", "enable v2 where zone=a|b", "enable v2"]);
  });

  test("two controllers looking at once never apply a step twice", async () => {
    const controllers = [new RolloutController(fleet.plane, { clock: fleet.clock.now }), new RolloutController(fleet.plane, { clock: fleet.clock.now })];
    await rollouts.start(TYPE, plan, WHO);
    for (let passed = 0; passed < 300_000; passed += 5_000) {
      fleet.clock.advance(5_000);
      traffic();
      await fleet.heartbeat();
      await Promise.all(controllers.map((controller) => controller.tick()));
      await fleet.settle();
    }
    const applied = (await fleet.coordinator.history({ capability: TYPE })).filter((entry) => entry.note.action === "enable-write");
    expect(applied.map((entry) => entry.note.request)).toEqual(["enable v1", "enable v2 where zone=a", "enable v2 where zone=a|b", "enable v2"]);
  });

  test("is refused when its first step would be refused, and can be paused, promoted, aborted and retried, each recorded", async () => {
    const old = await fleet.node("old", "b1-old", { labels: { zone: "a" } });
    let refused: unknown;
    try {
      await rollouts.start(TYPE, plan, WHO);
    } catch (error) {
      refused = error;
    }
    expect(isTwostepError(refused, FleetErrorCode.UnsafeChange)).toBe(true);
    const [refusal] = await fleet.coordinator.history({ capability: TYPE, limit: 1 });
    expect(refusal?.note).toMatchObject({
      action: "refused",
      actor: "alice",
      request: "start rollout of v2: step 1 of 3: zone=a, 100%, bake 60 s",
      blockerCount: 1,
    });
    await old.stop();
    const controller = new RolloutController(fleet.plane, { clock: fleet.clock.now });
    await rollouts.start(TYPE, plan, WHO);
    await run(5_000, [controller]);
    await rollouts.pause(TYPE, WHO);
    await run(100_000, [controller]);
    expect((await rollouts.get(TYPE))?.rollout).toMatchObject({ state: "paused", step: 0 });
    await rollouts.resume(TYPE, WHO);
    await rollouts.promote(TYPE, WHO);
    await run(5_000, [controller]);
    expect(writersOf(2).sort()).toEqual(["a-1", "a-2", "b-1", "b-2"]);
    await rollouts.abort(TYPE, WHO);
    await fleet.settle();
    expect(writersOf(2)).toEqual([]);
    await rollouts.retry(TYPE, WHO);
    await run(5_000, [controller]);
    expect(writersOf(2).sort()).toEqual(["a-1", "a-2", "b-1", "b-2"]);
    const actions = (await fleet.coordinator.history({ capability: TYPE })).map((entry) => entry.note.action);
    for (const action of ["rollout-start", "rollout-pause", "rollout-resume", "rollout-promote", "rollout-abort", "rollout-retry"])
      expect(actions).toContain(action);
  });

  test("a dry run of each change checks it and says what it would write, writing nothing and reverting no writer", async () => {
    const started = await rollouts.planStart(TYPE, plan, WHO);
    expect(started).toMatchObject({
      current: undefined,
      problems: [],
      rollout: { state: "running", step: 0, from: 1, intervalMs: 5_000, onFailure: "revert" },
    });
    expect(started.firstStep).toMatchObject({ request: "enable v2 where zone=a", blockers: [], problems: [] });
    expect(await rollouts.get(TYPE)).toBeUndefined();
    const controller = new RolloutController(fleet.plane, { clock: fleet.clock.now });
    await rollouts.start(TYPE, plan, WHO);
    await run(5_000, [controller]);
    const before = await rollouts.get(TYPE);
    expect((await rollouts.planStart(TYPE, plan, WHO)).problems).toEqual([
      expect.stringContaining("abort it first (twostep rollout abort orders.OrderPlaced)"),
    ]);
    const paused = await rollouts.pause(TYPE, WHO, { dryRun: true });
    expect(paused).toMatchObject({ revision: before?.revision, rollout: { state: "paused", change: { action: "rollout-pause" } } });
    expect(await rollouts.revertRequest(before!.rollout)).toEqual({ kind: "revert-ramp" });
    expect((await rollouts.abort(TYPE, WHO, { dryRun: true })).rollout.state).toBe("aborted");
    await expect(rollouts.resume(TYPE, WHO, { dryRun: true })).rejects.toThrow("this needs it paused");
    expect(await rollouts.get(TYPE)).toEqual(before);
    expect(writersOf(2).sort()).toEqual(["a-1", "a-2"]);
  });

  test("the controller lease says who acts and until when; the coordinator's rollouts are on its plane and clock", async () => {
    const same = fleet.coordinator.rollouts();
    expect(await same.controllerLease()).toBeUndefined();
    const controller = new RolloutController(fleet.plane, { clock: fleet.clock.now, id: "c-1", leaseMs: 20_000 });
    await controller.tick();
    expect(await same.controllerLease()).toMatchObject({ holder: "c-1", until: fleet.clock.now() + 20_000, since: fleet.clock.now() });
    await controller.stop();
    expect(await same.controllerLease()).toMatchObject({ holder: "c-1", until: fleet.clock.now() });
    await same.start(TYPE, plan, WHO);
    expect((await rollouts.get(TYPE))?.rollout.change.at).toBe(fleet.clock.now());
  });
});

describe("the gates of a plan", () => {
  test("frame health is judged against the level written before: the target failing no more than the baseline does not fail the step", async () => {
    const controller = new RolloutController(fleet.plane, { clock: fleet.clock.now });
    await rollouts.start(TYPE, plan, WHO);
    await run(5_000, [controller]);
    expect(writersOf(2).sort()).toEqual(["a-1", "a-2"]);
    // Per tick: 30 good frames of v2 and 60 of v1 (90 of v1 in the window before the step); 10 bad ones of v2, a quarter,
    // far above maxFailureRate, and 50 of v1, at least as many in the window.
    await run(30_000, [controller], 10, { poisonV1: 50 });
    const stored = await rollouts.get(TYPE);
    expect(stored?.rollout.state, stored?.rollout.why ?? "").not.toBe("failed");
    const health = stored?.rollout.results.find((result) => result.name === "decode failures");
    expect(health?.verdict).toBe("pass");
    expect(health?.detail).toMatch(/^25\.0% of \d+ frames of v2 failed \(v1: \d+\.\d% of \d+\)$/);
    // The same failures of v2 with a clean v1 fail it: "a gate that fails reverts the writers within one interval".
  });

  test("an inconclusive gate holds the step past its bake time, and the plan moves on once the gate passes", async () => {
    const controller = new RolloutController(fleet.plane, { clock: fleet.clock.now });
    await rollouts.start(TYPE, plan, WHO);
    await run(120_000, [controller], 0, { quiet: true });
    const held = await rollouts.get(TYPE);
    expect(held?.rollout).toMatchObject({ state: "holding", step: 0 });
    expect(held?.rollout.why).toMatch(/decode failures: 0 frames of v2 so far, fewer than 20/);
    expect(writersOf(2).sort()).toEqual(["a-1", "a-2"]);
    await run(65_000, [controller]);
    expect((await rollouts.get(TYPE))?.rollout.step).toBe(1);
    expect(writersOf(2).sort()).toEqual(["a-1", "a-2", "b-1", "b-2"]);
  });

  test("with onInconclusive fail, an inconclusive gate fails the plan and reverts the writers", async () => {
    const controller = new RolloutController(fleet.plane, { clock: fleet.clock.now });
    await rollouts.start(TYPE, { ...plan, onInconclusive: "fail" }, WHO);
    await run(10_000, [controller], 0, { quiet: true });
    const stored = await rollouts.get(TYPE);
    expect(stored?.rollout.state).toBe("failed");
    expect(stored?.rollout.why).toContain("fewer than 20");
    expect(writersOf(2)).toEqual([]);
  });

  test("with onFailure hold, a failing gate holds the plan and leaves the writers as they are, for a release manager to decide", async () => {
    const controller = new RolloutController(fleet.plane, { clock: fleet.clock.now });
    await rollouts.start(TYPE, { ...plan, onFailure: "hold" }, WHO);
    await run(10_000, [controller]);
    await run(120_000, [controller], 40);
    const stored = await rollouts.get(TYPE);
    expect(stored?.rollout).toMatchObject({ state: "holding", step: 0 });
    expect(stored?.rollout.why).toContain("decode failures");
    expect(writersOf(2).sort()).toEqual(["a-1", "a-2"]);
    expect((await fleet.coordinator.history({ capability: TYPE })).some((entry) => entry.note.action === "guard-revert")).toBe(false);
  });
});

describe("a failed or aborted plan", () => {
  /** True when `bytes` are a rollout record in state `state`. */
  const inState = (bytes: Uint8Array, state: string): boolean => new TextDecoder().decode(bytes).includes(`"state":"${state}"`);

  test("a failure whose record loses its compare-and-set to a concurrent change reverts no writer: the plan is what the other actor wrote", async () => {
    let raced = false;
    const hooked = hookedControlPlane(fleet.plane, {
      beforeAppend: async (key, bytes) => {
        if (raced || key.kind !== "rollout" || !inState(bytes, "failed")) return;
        raced = true;
        await rollouts.pause(TYPE, { actor: "bob", reason: "looking into it" });
      },
    });
    const controller = new RolloutController(hooked, { clock: fleet.clock.now });
    await rollouts.start(TYPE, plan, WHO);
    await run(10_000, [controller]);
    expect(writersOf(2).sort()).toEqual(["a-1", "a-2"]);
    await run(5_000, [controller], 40);
    expect(raced).toBe(true);
    expect((await rollouts.get(TYPE))?.rollout).toMatchObject({ state: "paused", step: 0, why: "looking into it" });
    expect(writersOf(2).sort()).toEqual(["a-1", "a-2"]);
    expect((await fleet.coordinator.history({ capability: TYPE })).some((entry) => entry.note.action === "guard-revert")).toBe(false);
  });

  test("an abort whose record loses its compare-and-set reverts no writer", async () => {
    const controller = new RolloutController(fleet.plane, { clock: fleet.clock.now });
    await rollouts.start(TYPE, plan, WHO);
    await run(10_000, [controller]);
    const hooked = hookedControlPlane(fleet.plane, {
      beforeAppend: async (key, bytes) => {
        if (key.kind === "rollout" && inState(bytes, "aborted")) await rollouts.pause(TYPE, { actor: "bob", reason: "looking into it" });
      },
    });
    const racing = new Rollouts(hooked, fleet.coordinatorOn(hooked), { clock: fleet.clock.now });
    await expect(racing.abort(TYPE, WHO)).rejects.toMatchObject({ code: FleetErrorCode.RevisionConflict });
    await fleet.settle();
    expect((await rollouts.get(TYPE))?.rollout.state).toBe("paused");
    expect(writersOf(2).sort()).toEqual(["a-1", "a-2"]);
  });

  test("a controller that dies between recording the failure and reverting the writers: the next one reverts them", async () => {
    let dead = false;
    const hooked = hookedControlPlane(fleet.plane, {
      beforeCall: () => {
        if (dead) throw new Error("the controller's process is gone");
      },
      beforeAppend: async (key) => {
        if (key.kind !== "level" || (await rollouts.get(TYPE))?.rollout.state !== "failed") return;
        dead = true;
        throw new Error("the controller's process died");
      },
    });
    const first = new RolloutController(hooked, { clock: fleet.clock.now, id: "first" });
    const second = new RolloutController(fleet.plane, { clock: fleet.clock.now, id: "second" });
    await rollouts.start(TYPE, plan, WHO);
    await run(10_000, [first]);
    await run(5_000, [first], 40);
    expect(dead).toBe(true);
    expect((await rollouts.get(TYPE))?.rollout.state).toBe("failed");
    expect(writersOf(2).sort()).toEqual(["a-1", "a-2"]);
    await run(20_000, [second]);
    expect(second.leading).toBe(true);
    expect((await rollouts.get(TYPE))?.rollout.state).toBe("failed");
    expect(writersOf(2)).toEqual([]);
    const reverts = (await fleet.coordinator.history({ capability: TYPE })).filter((entry) => entry.note.action === "guard-revert");
    expect(reverts).toHaveLength(1);
    expect(reverts[0]?.note).toMatchObject({ actor: "controller second", reason: expect.stringMatching(/^rollout .* failed: decode failures/) });
  });

  test("an abort whose revert did not happen (its process died): the controller reverts the writers at its next look", async () => {
    const controller = new RolloutController(fleet.plane, { clock: fleet.clock.now });
    await rollouts.start(TYPE, plan, WHO);
    await run(10_000, [controller]);
    const hooked = hookedControlPlane(fleet.plane, {
      beforeAppend: (key) => {
        if (key.kind === "level") throw new Error("the release manager's process died");
      },
    });
    const dying = new Rollouts(hooked, fleet.coordinatorOn(hooked), { clock: fleet.clock.now });
    await expect(dying.abort(TYPE, WHO)).rejects.toThrow("process died");
    expect((await rollouts.get(TYPE))?.rollout.state).toBe("aborted");
    expect(writersOf(2).sort()).toEqual(["a-1", "a-2"]);
    await run(5_000, [controller]);
    expect((await rollouts.get(TYPE))?.rollout.state).toBe("aborted");
    expect(writersOf(2)).toEqual([]);
    // Reverted once: a later look leaves the writers alone, even when someone enables the target again by hand.
    await fleet.coordinator.enableWrite(TYPE, 2, { ...WHO, where: { zone: ["c"] } });
    await run(20_000, [controller]);
    expect(writersOf(2).sort()).toEqual(["c-1", "c-2"]);
  });
});

describe("the controller lease", () => {
  let prometheus: Server;
  let url: string;
  /** What the Prometheus stub answers, and what it does first while answering (a slow query, as the fake clock sees it). */
  let answerValue = 0.5;
  let whileAnswering: (() => void) | undefined;

  beforeEach(async () => {
    prometheus = createServer((_request, response) => {
      const slow = whileAnswering;
      whileAnswering = undefined;
      slow?.();
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ status: "success", data: { resultType: "scalar", result: [0, String(answerValue)] } }));
    });
    await new Promise<void>((resolve) => prometheus.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(prometheus.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    await new Promise((resolve) => prometheus.close(resolve));
  });

  test.each([
    { verdict: "pass", value: 0.5 },
    { verdict: "fail", value: 5 },
  ])("a controller whose lease ran out during a slow gate ($verdict) writes nothing: it neither moves the plan on nor reverts", async ({ value }) => {
    const events: ControllerEvent[] = [];
    const controller = new RolloutController(fleet.plane, { clock: fleet.clock.now, leaseMs: 15_000, onEvent: (event) => events.push(event) });
    const quick: RolloutPlan = {
      target: 2,
      steps: [
        { percent: 100, where: { zone: ["a"] }, bakeMs: 0 },
        { percent: 100, where: null, bakeMs: 0 },
      ],
      gates: [{ kind: "prometheus", name: "p99", url, query: "p99", max: 1, min: null }],
      intervalMs: 5_000,
    };
    await rollouts.start(TYPE, quick, WHO);
    await run(5_000, [controller]);
    expect(writersOf(2).sort()).toEqual(["a-1", "a-2"]);
    const before = await rollouts.get(TYPE);
    expect(before?.rollout).toMatchObject({ state: "running", step: 0 });
    answerValue = value;
    whileAnswering = () => fleet.clock.advance(20_000);
    await run(5_000, [controller]);
    expect(await rollouts.get(TYPE)).toEqual(before);
    // The nodes' own leases ran out with the slow gate too: they renew them before they write again.
    await fleet.heartbeat();
    await fleet.settle();
    expect(writersOf(2).sort()).toEqual(["a-1", "a-2"]);
    expect(controller.leading).toBe(false);
    expect(events.at(-1)?.kind).toBe("lease-lost");
    // At its next look it takes the lease again (nobody else did) and judges the step anew.
    await run(5_000, [controller]);
    expect(controller.leading).toBe(true);
    expect((await rollouts.get(TYPE))?.rollout).toMatchObject(value > 1 ? { state: "failed" } : { state: "running", step: 1 });
  });
});
