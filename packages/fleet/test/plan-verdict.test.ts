import { isTwostepError } from "@twostep/core";
import { FleetErrorCode, type WriteLevelRequest } from "@twostep/fleet";
import { afterEach, beforeEach, expect, test } from "vitest";
import { FleetHarness, TYPE, WHO } from "./support/fleet-harness.js";

/** A dry run's verdict is the commit's: a plan says it would be refused exactly when the change itself is. */

let fleet: FleetHarness;

beforeEach(() => {
  fleet = new FleetHarness();
});

afterEach(() => fleet.close());

/** The dry run's verdict, then what committing the same request did: `changed`, `in force` or the error's code. */
async function verdictAndCommit(request: WriteLevelRequest): Promise<[boolean, boolean, string]> {
  const plan = await fleet.coordinator.change(TYPE, request, WHO, { dryRun: true });
  try {
    const change = await fleet.coordinator.change(TYPE, request, WHO);
    return [plan.changes, plan.refused, change.changed ? "changed" : "in force"];
  } catch (error) {
    return [plan.changes, plan.refused, isTwostepError(error) ? error.code : String(error)];
  }
}

test("allowed, blocked by members, refused by a rule, refused by the request itself, and in force", async () => {
  await fleet.node("new", "b2-new");
  await fleet.node("old", "b1-old");
  await fleet.heartbeat();
  expect(await verdictAndCommit({ kind: "enable-write", level: 1 })).toEqual([true, false, "changed"]);
  expect(await verdictAndCommit({ kind: "enable-write", level: 1 })).toEqual([false, false, "in force"]);
  // old reads only v1.
  expect(await verdictAndCommit({ kind: "enable-write", level: 2 })).toEqual([true, true, FleetErrorCode.UnsafeChange]);
  // No member declares v3: a problem, no blocker.
  expect(await verdictAndCommit({ kind: "enable-write", level: 3 })).toEqual([true, true, FleetErrorCode.UnsafeChange]);
  // v1 is still written.
  expect(await verdictAndCommit({ kind: "retire", level: 1 })).toEqual([true, true, FleetErrorCode.UnsafeChange]);
});
