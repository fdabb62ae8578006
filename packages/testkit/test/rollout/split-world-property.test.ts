import { isTwostepError } from "@twostep/core";
import { FleetErrorCode } from "@twostep/fleet";
import { RolloutCheckError, runSplitWorld, splitWorldProperty, type SplitWorldOutcome } from "@twostep/testkit";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { current, previous, strictCustomers } from "../support/shop-variants.js";

describe("splitWorldProperty", () => {
  test("holds for the shop's builds, whatever fast-check deploys and changes; refusals are recorded", async () => {
    const outcomes: SplitWorldOutcome[] = [];
    await fc.assert(splitWorldProperty({ builds: { old: previous, new: current }, onRun: (outcome) => outcomes.push(outcome) }), { numRuns: 25, seed: 42 });
    expect(outcomes).toHaveLength(25);
    expect(outcomes.reduce((sum, outcome) => sum + outcome.decoded, 0)).toBeGreaterThan(1_000);
    const codes = new Set(outcomes.flatMap((outcome) => outcome.refusals.map((refusal) => refusal.code)));
    expect(codes).toContain(FleetErrorCode.UnsafeChange);
  });

  test("catches a new build that cannot read what the old one writes, naming the command", async () => {
    const property = splitWorldProperty({ builds: { old: previous, new: strictCustomers } });
    const thrown: unknown = await fc.assert(property, { numRuns: 20, seed: 7, endOnFailure: true }).then(
      () => undefined,
      (error: unknown) => error,
    );
    const cause = (thrown as { cause?: unknown } | undefined)?.cause;
    expect(cause).toBeInstanceOf(RolloutCheckError);
    expect(cause).toMatchObject({ kind: "undecodable", type: "customers.CustomerUpdated", senderBuild: "old", receiverBuild: "new" });
    expect((cause as RolloutCheckError).frame).toMatch(/^8702/);
  });
});

describe("runSplitWorld", () => {
  test("records what the join guard and the coordinator refuse, and keeps the traffic whole", async () => {
    const outcome = await runSplitWorld(
      { builds: { old: previous, new: current } },
      {
        assignment: ["old", "new", "new"],
        commands: [
          { kind: "enable", type: "orders.OrderPlaced", level: 2, percent: 100 },
          { kind: "deploy", node: "node-1", build: "new" },
          { kind: "enable", type: "orders.OrderPlaced", level: 2, percent: 50 },
          { kind: "deploy", node: "node-2", build: "old" },
          { kind: "disable", type: "orders.OrderPlaced" },
          { kind: "retire", type: "orders.OrderPlaced", level: 2 },
          { kind: "deploy", node: "node-2", build: "old" },
        ],
        seed: 5,
      },
    );
    expect(outcome.refusals.map((refusal) => `${refusal.step}: ${refusal.code}`)).toEqual([
      "#1 enable orders.OrderPlaced v2: UNSAFE_CHANGE",
      "#4 deploy node-2 on old: JOIN_REFUSED",
    ]);
    expect(outcome.decoded).toBeGreaterThan(100);
  });

  test("throws a rollout check error at the command that breaks the property", async () => {
    const error: unknown = await runSplitWorld(
      { builds: { old: previous, new: strictCustomers } },
      { assignment: ["old", "old"], commands: [{ kind: "deploy", node: "node-1", build: "new" }], seed: 1 },
    ).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(RolloutCheckError);
    expect(error).toMatchObject({ step: "#1 deploy node-1 on new", kind: "undecodable", receiver: "node-1", sender: "node-2" });
    expect(isTwostepError((error as RolloutCheckError).error, "INVALID_PAYLOAD")).toBe(true);
  });
});
