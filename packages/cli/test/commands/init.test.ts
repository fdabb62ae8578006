import { describe, expect, test } from "vitest";
import { useFleets } from "../support/memory-fleet.js";

const newFleet = useFleets();
const change = ["--reason", "new fleet", "--yes"];

describe("init", () => {
  test("creates the control plane's identity and says so; a second init says it existed and changes nothing", async () => {
    const fleet = newFleet();
    const dry = await fleet.run(["init", "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("Plan: set up the control plane: a new random id, epoch 1");
    expect((await fleet.coordinator().status()).plane.id).toBeNull();
    const created = await fleet.run(["init", ...change]);
    expect(created.code).toBe(0);
    const id = (await fleet.coordinator().status()).plane.id;
    expect(created.stdout).toBe(
      "Plan: set up the control plane: a new random id, epoch 1, release managers change it directly; nodes and coordinators follow it from then on\n" +
        `done: created the control plane's identity: id ${id}, epoch 1, release managers change it directly\n`,
    );
    const again = await fleet.run(["init", ...change]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(`the control plane exists already: id ${id}, epoch 1, release managers change it directly\nnothing changed\n`);
    expect((await fleet.coordinator().history()).map((entry) => [entry.note.action, entry.note.reason])).toEqual([["init", "new fleet"]]);
  });

  test("--mode controller sets a new control plane up so that changes go only through the rollout controller, and switches an existing one", async () => {
    const fleet = newFleet();
    const created = await fleet.run(["init", "--mode", "controller", ...change]);
    expect(created.code).toBe(0);
    expect(created.stdout).toContain("epoch 1, changes only through the rollout controller (twostep controller)");
    expect((await fleet.coordinator().status()).plane.mode).toBe("controller");
    const back = await fleet.run(["init", "--mode", "direct", ...change]);
    expect(back.stdout).toContain("from now on release managers change it directly");
    expect((await fleet.coordinator().status()).plane.mode).toBe("direct");
    const wrong = await fleet.run(["init", "--mode", "anyone", ...change]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("Allowed choices are direct, controller");
  });

  test("--json gives what it found or created", async () => {
    const fleet = newFleet();
    const { output } = await fleet.json(["init", ...change]);
    expect(output).toMatchObject({
      dryRun: false,
      plan: { planeId: null, epoch: null, exists: false },
      change: { planeId: expect.any(String), created: true },
    });
    const { output: again } = await fleet.json(["init", ...change]);
    expect(again).toMatchObject({ plan: { planeId: expect.any(String), epoch: 1, exists: true }, change: null });
  });

  test("needs --reason like every change", async () => {
    const fleet = newFleet();
    const run = await fleet.run(["init", "--yes"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('init changes the fleet and records why: pass --reason "TEXT"');
  });
});
