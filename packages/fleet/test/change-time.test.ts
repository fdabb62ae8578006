import { afterEach, beforeEach, expect, test } from "vitest";
import { FleetHarness, TYPE, WHO } from "./support/fleet-harness.js";

/** What a plan or a change says about when the fleet it judged was read: the control plane's clock, not the coordinator's. */

let fleet: FleetHarness;

beforeEach(() => {
  fleet = new FleetHarness();
});

afterEach(() => fleet.close());

test("a plan and a change carry the control plane's time of the fleet they judged", async () => {
  await fleet.node("a", "b2-new");
  await fleet.heartbeat();
  // A coordinator whose own clock is far off: what it records is on its clock, the times of the fleet are not.
  const coordinator = fleet.coordinatorOn(fleet.plane, { clock: () => 1 });
  fleet.clock.advance(1_000);
  const planned = fleet.clock.now();
  const plan = await coordinator.change(TYPE, { kind: "enable-write", level: 1 }, WHO, { dryRun: true });
  expect(plan.at).toBe(planned);
  fleet.clock.advance(1_000);
  const changedAt = fleet.clock.now();
  const change = await coordinator.enableWrite(TYPE, 1, WHO);
  expect([change.changed, change.at]).toEqual([true, changedAt]);
  fleet.clock.advance(1_000);
  const inForce = await coordinator.enableWrite(TYPE, 1, WHO);
  expect([inForce.changed, inForce.at]).toEqual([false, fleet.clock.now()]);
  const refused = await coordinator.change(TYPE, { kind: "enable-write", level: 9 }, WHO, { dryRun: true });
  expect(refused.at).toBe(fleet.clock.now());
});
