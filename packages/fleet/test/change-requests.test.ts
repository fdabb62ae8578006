import { isTwostepError } from "@twostep/core";
import { type Change, type ControllerEvent, type Coordinator, FleetErrorCode, RolloutController, Rollouts, UnsafeChangeError } from "@twostep/fleet";
import { submitRequest, twostepRecordFormats } from "@twostep/fleet/internal";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { FleetHarness, TYPE, WHO } from "./support/fleet-harness.js";

// A control plane set up in controller mode takes changes only through the
// rollout controller: other coordinators submit requests, and the controller
// checks them with the same rules and writes their outcome.

let fleet: FleetHarness;
let asker: Coordinator;
let events: ControllerEvent[];
let controller: RolloutController;

beforeEach(async () => {
  fleet = new FleetHarness();
  await fleet.coordinator.init(WHO, { mode: "controller" });
  asker = fleet.coordinatorOn(fleet.plane, { clock: fleet.clock.now, requestTimeoutMs: 30_000 });
  events = [];
  controller = new RolloutController(fleet.plane, { clock: fleet.clock.now, onEvent: (event) => events.push(event) });
});

afterEach(async () => {
  await controller.stop();
  await fleet.close();
});

/** Runs the controller's looks until `asked` settles, as `twostep controller` would every second. */
async function answered<T>(asked: Promise<T>): Promise<T> {
  let settled = false;
  const watched = asked.finally(() => {
    settled = true;
  });
  watched.catch(() => {});
  while (!settled) {
    await controller.tick();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return watched;
}

async function levelRecord(): Promise<unknown> {
  return (await fleet.coordinator.status(TYPE)).capabilities[0]?.record ?? undefined;
}

describe("change requests to the rollout controller", () => {
  test("a release manager's change is applied by the controller and recorded as the release manager's", async () => {
    await fleet.node("n-1", "b2-new");
    await fleet.node("n-2", "b2-new");
    await fleet.settle();
    const change = await answered(asker.enableWrite(TYPE, 1, { actor: "bob", reason: "first level" }));
    expect(change.changed).toBe(true);
    expect(await levelRecord()).toMatchObject({ level: 1 });
    const history = await fleet.coordinator.history({ capability: TYPE });
    expect(history.find((entry) => entry.note.action === "enable-write")?.note).toMatchObject({ actor: "bob", reason: "first level" });
    expect(events.map((event) => event.kind)).toContain("request-applied");
  });

  test("an unsafe request is refused by the controller, and the asker gets the blockers", async () => {
    await fleet.node("n-1", "b2-new");
    await fleet.node("n-old", "b1-old");
    await fleet.settle();
    await answered(asker.enableWrite(TYPE, 1, WHO));
    const error = await answered(asker.enableWrite(TYPE, 2, WHO)).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(UnsafeChangeError);
    expect((error as UnsafeChangeError).blockers.map((blocker) => blocker.nodeId)).toEqual(["n-old"]);
    expect(await levelRecord()).toMatchObject({ level: 1 });
    expect(events.map((event) => event.kind)).toContain("request-refused");
  });

  test("a decommission asked of the controller is applied once the member's lease surely ran out, and fences it", async () => {
    await fleet.node("n-1", "b2-new");
    const gone = await fleet.node("gone", "b2-new", { leaseMs: 15_000 });
    await fleet.settle();
    fleet.nodes.splice(fleet.nodes.indexOf(gone), 1);
    fleet.clock.advance(21_000);
    await fleet.heartbeat();
    const change = await answered(asker.decommission("gone", { actor: "bob", reason: "host died" }));
    expect(change.changed).toBe(true);
    await gone.heartbeat();
    expect(gone.fenced).toBe(true);
    const history = await fleet.coordinator.history({});
    expect(history.find((entry) => entry.note.action === "decommission")?.note).toMatchObject({ actor: "bob", reason: "host died" });
    await gone.stop();
  });

  test("a request nobody answers is withdrawn when its asker gives up, and a controller that starts later does not apply it", async () => {
    await fleet.node("n-1", "b2-new");
    await fleet.settle();
    const impatient = fleet.coordinatorOn(fleet.plane, { clock: fleet.clock.now, requestTimeoutMs: 300 });
    const error = await impatient.enableWrite(TYPE, 1, WHO).catch((reason: unknown) => reason);
    expect(isTwostepError(error, FleetErrorCode.Unreachable), String(error)).toBe(true);
    expect(String(error)).toMatch(/withdrawn/);
    await controller.tick();
    expect(await levelRecord()).toBeUndefined();
    expect(events.map((event) => event.kind)).not.toContain("request-applied");
  });

  test("a request of a kind this controller does not know (from a newer twostep) fails and changes nothing", async () => {
    await fleet.node("n-1", "b2-new");
    await fleet.settle();
    const sent = submitRequest(
      fleet.plane,
      twostepRecordFormats,
      { capability: TYPE, request: { kind: "enable-write-v9" }, author: WHO, declared: null, allowUndeclared: false, at: 0 },
      { timeoutMs: 30_000, pollMs: 10 },
    );
    const error = await answered(sent).catch((reason: unknown) => reason);
    expect(isTwostepError(error, FleetErrorCode.InvalidRequest), String(error)).toBe(true);
    expect(String(error)).toMatch(/upgrade the controller/);
    expect(await levelRecord()).toBeUndefined();
  });

  test("only the controller holding the lease answers; a standby answers once the lease runs out", async () => {
    await fleet.node("n-1", "b2-new");
    await fleet.settle();
    const standbyEvents: ControllerEvent[] = [];
    const standby = new RolloutController(fleet.plane, { clock: fleet.clock.now, onEvent: (event) => standbyEvents.push(event) });
    await controller.tick();
    const asked = asker.enableWrite(TYPE, 1, WHO);
    let change: Change | undefined;
    void asked.then((value) => {
      change = value;
    });
    // The leader is gone (it looks no more); the standby looks until its lease would be its own.
    while (change === undefined) {
      fleet.clock.advance(5_000);
      await fleet.heartbeat();
      await standby.tick();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(change.changed).toBe(true);
    expect(standbyEvents.map((event) => event.kind)).toEqual(expect.arrayContaining(["lease-acquired", "request-applied"]));
    expect(events.map((event) => event.kind)).not.toContain("request-applied");
    await standby.stop();
  });

  test("the controller's own changes (rollout steps) are written directly, not submitted to itself", async () => {
    await fleet.node("n-1", "b2-new");
    await fleet.settle();
    await answered(asker.enableWrite(TYPE, 1, { ...WHO, reason: "first level" }));
    const rollouts = new Rollouts(fleet.plane, asker, { clock: fleet.clock.now });
    await rollouts.start(TYPE, { target: 2, steps: [{ percent: 10, where: null, bakeMs: 0 }], gates: [], intervalMs: 1_000 }, WHO);
    fleet.clock.advance(1_000);
    await controller.tick();
    expect(await levelRecord()).toMatchObject({ level: 1, ramp: { to: 2, percent: 10 } });
    expect((await fleet.plane.read("control")).entries.filter((entry) => entry.key.kind === "request" && !entry.tombstone)).toEqual([]);
  });
});
