import { CoreErrorCode, isTwostepError } from "@twostep/core";
import { Coordinator, FleetErrorCode, MemoryControlPlane } from "@twostep/fleet";
import { RolloutCheckError, SUITE_STEPS, TestkitErrorCode, upgradeDowngradeSuite, type StepContext } from "@twostep/testkit";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { nanosBug, current, noV1Reader, previous, strictCustomers } from "../support/shop-variants.js";

/** Runs the suite and returns what it threw, which must be a rollout check error. */
async function failure(options: Parameters<typeof upgradeDowngradeSuite>[0]): Promise<RolloutCheckError> {
  const error: unknown = await upgradeDowngradeSuite(options).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof RolloutCheckError)) throw new Error(`expected a RolloutCheckError, got ${String(error)}`);
  expect(isTwostepError(error, TestkitErrorCode.RolloutCheckFailed)).toBe(true);
  return error;
}

describe("upgradeDowngradeSuite", () => {
  test("passes for the shop's builds, checks after every step, and writes v2 only between enabling and rolling back", async () => {
    const seen: StepContext[] = [];
    const report = await upgradeDowngradeSuite({ old: previous, new: current, nodes: 3, seed: 1, check: (context) => void seen.push(context) });
    expect(seen.map((context) => context.step)).toEqual([...SUITE_STEPS]);
    expect(report.steps.map((step) => step.step)).toEqual([...SUITE_STEPS]);
    expect(report.seed).toBe(1);
    const builds = Object.fromEntries(report.steps.map((step) => [step.step, Object.values(step.builds).sort().join(",")]));
    expect(builds).toMatchObject({
      "old-fleet": "old,old,old",
      "upgrade-one": "new,old,old",
      "enable-writer": "new,new,new",
      "downgrade-one": "new,new,old",
      "downgrade-all": "old,old,old",
    });
    const orders = Object.fromEntries(report.steps.map((step) => [step.step, step.decoded["orders.OrderPlaced"] ?? {}]));
    for (const step of ["old-fleet", "upgrade-one", "upgrade-all", "downgrade-one", "downgrade-all"] as const) {
      expect(orders[step]?.[2], step).toBeUndefined();
      expect(orders[step]?.[1], step).toBeGreaterThan(0);
    }
    expect(orders["ramp-writer"]?.[2]).toBeGreaterThan(0);
    expect(orders["ramp-writer"]?.[1]).toBeGreaterThan(0);
    expect(orders["enable-writer"]?.[2]).toBeGreaterThan(0);
    // Who talked to whom: the old build's nodes and the new build's, and both across while they are mixed.
    const pairs = (step: string) =>
      new Set(seen.find((context) => context.step === step)?.decoded.map((delivery) => `${delivery.senderBuild}->${delivery.receiverBuild}`));
    expect(pairs("old-fleet")).toEqual(new Set(["old->old"]));
    expect(pairs("upgrade-one")).toEqual(new Set(["old->old", "old->new", "new->old"]));
    expect(pairs("enable-writer")).toEqual(new Set(["new->new"]));
    expect(pairs("downgrade-one")).toEqual(new Set(["new->new", "old->new", "new->old"]));
    expect(seen.every((context) => context.nodes.length === 3)).toBe(true);
  });

  test("fails at upgrade-one, with the frame, for a new build whose migration loses what v1 carried", async () => {
    const error = await failure({ old: previous, new: nanosBug, nodes: 3, seed: 2 });
    expect(error).toMatchObject({ step: "upgrade-one", kind: "lossy-migration", type: "orders.OrderPlaced", version: 1, seed: 2 });
    expect(error.frame).toMatch(/^870101[0-9a-f]+$/);
    expect(error.error).toBeInstanceOf(Error);
    expect(error.message).toMatch(/rollout check failed at step "upgrade-one" \(lossy-migration\)/);
    expect(error.message).toMatch(/declared lossless/);
    expect(error.message).toMatch(/pass \{ seed: 2 \}/);
  });

  test("fails at upgrade-one for a new build that drops the v1 reader: the join guard refuses it", async () => {
    const error = await failure({ old: previous, new: noV1Reader, nodes: 2, seed: 3 });
    expect(error).toMatchObject({ step: "upgrade-one", kind: "join-refused", sender: "node-1", senderBuild: "new" });
    expect(isTwostepError(error.error, FleetErrorCode.JoinRefused)).toBe(true);
    expect(error.message).toMatch(/orders\.OrderPlaced: the fleet writes v1/);
  });

  test("fails at upgrade-one with the decode error when the new build cannot read what the old one writes", async () => {
    const error = await failure({ old: previous, new: strictCustomers, nodes: 3, seed: 4 });
    expect(error).toMatchObject({
      step: "upgrade-one",
      kind: "undecodable",
      receiver: "node-1",
      receiverBuild: "new",
      senderBuild: "old",
      type: "customers.CustomerUpdated",
      version: 2,
    });
    expect(isTwostepError(error.error, CoreErrorCode.InvalidPayload)).toBe(true);
    expect(error.frame).toMatch(/^870202/);
    expect(
      Buffer.from(error.frame ?? "", "hex")
        .subarray(3)
        .toString("utf8"),
    ).toMatch(/^\{.*"customerId"/);
    expect(error.message).toMatch(/error: {4}INVALID_PAYLOAD: customers\.CustomerUpdated v2: payload does not match its schema/);
  });

  test("reports a failing check with the step it failed after", async () => {
    const error = await failure({
      old: previous,
      new: current,
      nodes: 2,
      check: ({ step, decoded }) => {
        if (step === "enable-writer") expect(decoded.filter((delivery) => delivery.version === 1 && delivery.type === "orders.OrderPlaced")).toEqual([]);
      },
    });
    expect(error).toMatchObject({ step: "enable-writer", kind: "check" });
    expect(error.message).toMatch(/the check failed after step enable-writer/);
  });

  test("passes for a read-first build: nothing new is written, so the old build may still join", async () => {
    const report = await upgradeDowngradeSuite({ old: previous, new: previous, buildIds: { old: "1.0", new: "1.0.1" }, nodes: 2, roundsPerStep: 3 });
    expect(report.steps.at(-1)?.builds).toEqual({ "node-1": "1.0", "node-2": "1.0" });
  });

  test("runs on the control plane a factory gives, records the procedure there, closes it, and takes given arbitraries", async () => {
    const planes: MemoryControlPlane[] = [];
    let closed = 0;
    const fixed = { customerId: "c-1", displayName: "Ada", emails: ["ada@example.com"] };
    const customers: unknown[] = [];
    await upgradeDowngradeSuite({
      old: previous,
      new: current,
      nodes: 2,
      roundsPerStep: 2,
      controlPlane: () => {
        const plane = new MemoryControlPlane();
        const close = plane.close.bind(plane);
        plane.close = () => {
          closed++;
          return close();
        };
        planes.push(plane);
        return plane;
      },
      arbitraries: (type, version) => (type.name === "customers.CustomerUpdated" && version === 2 ? fc.constant(fixed) : undefined),
      check: ({ decoded }) =>
        void customers.push(...decoded.filter((delivery) => delivery.type === "customers.CustomerUpdated").map((delivery) => delivery.value)),
    });
    expect([planes.length, closed]).toEqual([1, 1]);
    const plane = planes[0];
    if (plane === undefined) throw new Error("no control plane was made");
    // The changes the procedure made (their intents and the drain window's policy aside).
    const history = (await new Coordinator(plane).history()).filter((entry) => ["enable-write", "disable-write", "retire"].includes(entry.note.action));
    expect(history.map((entry) => `${entry.note.action} ${entry.capability} ${entry.note.request}`)).toEqual([
      "enable-write orders.OrderPlaced enable v1",
      "enable-write customers.CustomerUpdated enable v2",
      "enable-write orders.OrderPlaced enable v2 at 50% by key",
      "enable-write orders.OrderPlaced enable v2",
      "disable-write orders.OrderPlaced disable-write to v1",
      "retire orders.OrderPlaced retire v2",
    ]);
    expect(customers.length).toBeGreaterThan(0);
    expect(new Set(customers.map((value) => JSON.stringify(value)))).toEqual(new Set([JSON.stringify(fixed)]));
  });

  test("refuses a fleet of fewer than two nodes", async () => {
    await expect(upgradeDowngradeSuite({ old: previous, new: current, nodes: 1 })).rejects.toThrow(/nodes must be a whole number of at least 2/);
  });
});
