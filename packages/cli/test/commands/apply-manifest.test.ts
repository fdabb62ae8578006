import { run } from "@twostep/cli";
import { parseRolloutPlan } from "@twostep/fleet";
import { describe, expect, test } from "vitest";
import { ORDERS, type TestFleet, useFleets, WHO } from "../support/memory-fleet.js";
import { type ManifestTypeSpec, manifestOf, useTempFiles } from "../support/temp-files.js";
import { testContext } from "../support/test-context.js";

const newFleet = useFleets();
const files = useTempFiles();
const INVOICE = "billing.InvoiceSent";
const SHIPPED = "shipping.Shipped";
const change = ["--reason", "release 42", "--yes"];

/** Three nodes that read orders.OrderPlaced v1..v2 and billing.InvoiceSent v1..v3. */
async function fleetReadingV2(): Promise<TestFleet> {
  const fleet = newFleet();
  await fleet.add({
    prefix: "n-",
    count: 3,
    service: "orders",
    build: "orders@2.0.0",
    reads: 2,
    features: { [INVOICE]: { reads: { min: 1, max: 3 }, writes: { min: 1, max: 3 } } },
  });
  return fleet;
}

/** Writes a manifest of these types and returns its path. */
function manifest(...types: ManifestTypeSpec[]): Promise<string> {
  return files.file("twostep.json", manifestOf(...types));
}

async function recordOf(fleet: TestFleet, capability: string) {
  return (await fleet.coordinator().status(capability)).capabilities[0]?.record ?? null;
}

/** The per-capability results of an apply's `--json` commit. */
interface Results {
  change: { results: { capability: string; outcome: string; error: { code: string; message: string } | null }[] };
}

describe("apply --manifest", () => {
  test.each([
    [[], "apply needs what to apply"],
    [["--manifest", "twostep.json", "--allow-undeclared"], "--allow-undeclared does not go with --manifest"],
    [["levels.json", "--allow-rollback"], "--allow-rollback goes with the manifest's write targets only"],
    [["--manifest", "nowhere.json"], "cannot read the manifest nowhere.json (ENOENT)"],
  ])("is a usage error, before connecting: %j", async (args, problem) => {
    const fleet = newFleet();
    await files.file("twostep.json", manifestOf({ name: ORDERS, newest: 1, writeTarget: 1 }));
    const run = await fleet.run(["apply", ...args, "--dry-run"], { cwd: files.dir() });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(problem);
    expect(run.connections).toEqual([]);
  });

  test("an invalid manifest is INVALID_MANIFEST, exit 2", async () => {
    const fleet = newFleet();
    const path = await manifest({ name: ORDERS, newest: 1, writeTarget: 2 });
    const run = await fleet.run(["apply", "--manifest", path, "--dry-run"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${path}: types.0.writeTarget: orders.OrderPlaced targets writing v2, which this manifest does not declare`);
  });

  test("brings each type to its writeTarget, leaves types without one alone; a second apply changes nothing", async () => {
    const fleet = await fleetReadingV2();
    const path = await manifest({ name: ORDERS, newest: 2, writeTarget: 2 }, { name: INVOICE, newest: 3, writeTarget: 3 }, { name: SHIPPED, newest: 1 });
    const first = await fleet.run(["apply", "--manifest", path, "--reason", "release 42"], { stdinTTY: true, answers: [true] });
    expect(first.code).toBe(0);
    expect(first.questions).toEqual([`apply ${path}?`]);
    expect(first.stdout).toContain("Plan for orders.OrderPlaced: enable v2");
    expect(first.stdout).toContain("Plan for billing.InvoiceSent: enable v3");
    expect(first.stdout).toContain(`Left alone\n  ${SHIPPED}  no writeTarget in the manifest; the fleet: writes closed: nothing enabled\n`);
    expect(first.stdout).toContain("2 to change, 0 already in force");
    expect(first.stdout).toContain("applied 2, already in force 0, refused 0");
    expect((await recordOf(fleet, ORDERS))?.level).toBe(2);
    expect((await recordOf(fleet, INVOICE))?.level).toBe(3);
    const recorded = (await fleet.coordinator().history()).length;
    const second = await fleet.run(["apply", "--manifest", path, ...change]);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`nothing to apply: every write target in ${path} is already in force`);
    expect(second.stdout).toContain("nothing changed");
    expect(await fleet.coordinator().history()).toHaveLength(recorded);
  });

  test("--dry-run --json: every plan and what is left alone; nothing changes", async () => {
    const fleet = await fleetReadingV2();
    const path = await manifest({ name: ORDERS, newest: 2, writeTarget: 1 }, { name: SHIPPED, newest: 1 });
    const { run, output } = await fleet.json(["apply", "--manifest", path, "--dry-run"]);
    expect(run.code).toBe(0);
    expect(output).toEqual({
      dryRun: true,
      plan: {
        manifest: path,
        plans: [expect.objectContaining({ capability: ORDERS, request: "enable v1", changes: true, allowed: true, participants: 3 })],
        leftAlone: [
          { capability: SHIPPED, why: "no-write-target", level: null, detail: "no writeTarget in the manifest; the fleet: writes closed: nothing enabled" },
          { capability: INVOICE, why: "not-in-manifest", level: null, detail: "not in the manifest: writes closed: nothing enabled, 3 members take part" },
        ],
      },
      change: null,
    });
    expect(await recordOf(fleet, ORDERS)).toBeNull();
  });

  test("the manifest's versions count as declared: a type no member runs yet is enabled", async () => {
    const fleet = newFleet();
    await fleet.add({ prefix: "n-", count: 1, service: "orders", build: "orders@2.0.0", reads: 2, uses: [ORDERS] });
    const path = await manifest({ name: SHIPPED, newest: 1, writeTarget: 1 });
    const run = await fleet.run(["apply", "--manifest", path, ...change]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("warning: 0 members take part in shipping.Shipped");
    expect((await recordOf(fleet, SHIPPED))?.level).toBe(1);
  });

  test("a writeTarget below what the fleet writes is a rollback: refused without --allow-rollback, made with it as a disable-write", async () => {
    const fleet = await fleetReadingV2();
    await fleet.coordinator().enableWrite(ORDERS, 1, WHO);
    await fleet.coordinator().enableWrite(ORDERS, 2, WHO);
    const path = await manifest({ name: ORDERS, newest: 2, writeTarget: 1 });
    const dry = await fleet.run(["apply", "--manifest", path, "--dry-run"]);
    expect(dry.code).toBe(1);
    expect(dry.stdout).toContain("Plan for orders.OrderPlaced: disable-write to v1");
    expect(dry.stdout).toContain(
      "problem: writeTarget v1 is below what the fleet writes (writes v2): a rollback, which apply --manifest makes only with --allow-rollback " +
        "(or roll back on its own: twostep disable-write orders.OrderPlaced --to 1)",
    );
    const recorded = (await fleet.coordinator().history()).length;
    const refused = await fleet.json<Results>(["apply", "--manifest", path, ...change]);
    expect(refused.run.code).toBe(1);
    expect(refused.output.change.results).toEqual([
      {
        capability: ORDERS,
        outcome: "refused",
        change: null,
        error: { code: "ROLLBACK_NOT_ALLOWED", message: expect.stringMatching(/^writeTarget v1 is below/), blockers: [] },
      },
    ]);
    expect(refused.run.stderr).toBe("");
    expect((await recordOf(fleet, ORDERS))?.level).toBe(2);
    expect(await fleet.coordinator().history()).toHaveLength(recorded);
    const allowed = await fleet.run(["apply", "--manifest", path, "--allow-rollback", ...change]);
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toMatch(/done: disable-write to v1 of orders\.OrderPlaced/);
    expect((await recordOf(fleet, ORDERS))?.level).toBe(1);
    expect((await fleet.coordinator().history()).at(-1)?.note.action).toBe("disable-write");
  });

  test("dropping a ramp above the writeTarget is a rollback too", async () => {
    const fleet = await fleetReadingV2();
    await fleet.coordinator().enableWrite(ORDERS, 1, WHO);
    await fleet.coordinator().enableWrite(ORDERS, 2, { ...WHO, percent: 10 });
    const path = await manifest({ name: ORDERS, newest: 2, writeTarget: 1 });
    const refused = await fleet.run(["apply", "--manifest", path, ...change]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain("refused: orders.OrderPlaced: writeTarget v1 is below what the fleet writes (writes v1, ramp to v2 at 10% by key)");
    expect((await recordOf(fleet, ORDERS))?.ramp).not.toBeNull();
    expect((await fleet.run(["apply", "--manifest", path, "--allow-rollback", ...change])).code).toBe(0);
    expect(await recordOf(fleet, ORDERS)).toMatchObject({ level: 1, ramp: null });
  });

  test("retirements in the manifest are reported, never applied", async () => {
    const fleet = await fleetReadingV2();
    await fleet.coordinator().enableWrite(ORDERS, 1, WHO);
    await fleet.coordinator().enableWrite(ORDERS, 2, WHO);
    const path = await manifest({ name: ORDERS, newest: 2, retired: [1], writeTarget: 2 });
    const run = await fleet.run(["apply", "--manifest", path, ...change]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      "Left alone\n" +
        "  orders.OrderPlaced   v1 is retired in the manifest, still required by the fleet: apply never retires " +
        "(twostep retire orders.OrderPlaced 1 once drained)\n" +
        "  billing.InvoiceSent  not in the manifest: writes closed: nothing enabled, 3 members take part\n",
    );
    expect(run.stdout).toContain(`nothing to apply: every write target in ${path} is already in force`);
    expect((await recordOf(fleet, ORDERS))?.retired).toEqual([]);
    const { output } = await fleet.json(["apply", "--manifest", path, "--dry-run"]);
    expect(output).toMatchObject({ plan: { leftAlone: [{ capability: ORDERS, why: "retirement", level: 1 }, { capability: INVOICE }] } });
  });

  test("a writeTarget the fleet retired is refused, with or without --allow-rollback", async () => {
    const fleet = await fleetReadingV2();
    await fleet.coordinator().enableWrite(ORDERS, 1, WHO);
    await fleet.coordinator().enableWrite(ORDERS, 2, WHO);
    await fleet.advance(3_600_001);
    await fleet.coordinator().retire(ORDERS, 1, WHO);
    const path = await manifest({ name: ORDERS, newest: 2, writeTarget: 1 });
    const { run, output } = await fleet.json<Results>(["apply", "--manifest", path, "--allow-rollback", ...change]);
    expect(run.code).toBe(1);
    expect(output.change.results[0]?.error).toMatchObject({
      code: "WRITE_TARGET_RETIRED",
      message: expect.stringContaining("writeTarget v1 is retired in the fleet, so builds may have dropped its reader"),
    });
    expect(await recordOf(fleet, ORDERS)).toMatchObject({ level: 2, retired: [1] });
  });

  test("a capability the manifest does not declare is left alone and reported", async () => {
    const fleet = await fleetReadingV2();
    await fleet.coordinator().enableWrite(INVOICE, 2, WHO);
    const path = await manifest({ name: ORDERS, newest: 2, writeTarget: 1 });
    const run = await fleet.run(["apply", "--manifest", path, ...change]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Left alone\n  ${INVOICE}  not in the manifest: writes v2, 3 members take part\n`);
    expect((await recordOf(fleet, INVOICE))?.level).toBe(2);
    expect((await recordOf(fleet, ORDERS))?.level).toBe(1);
  });

  test("a type the coordinator refuses is reported and recorded, the others applied, exit 1", async () => {
    const fleet = await fleetReadingV2();
    const path = await manifest({ name: ORDERS, newest: 3, writeTarget: 3 }, { name: INVOICE, newest: 3, writeTarget: 3 });
    const run = await fleet.run(["apply", "--manifest", path, ...change]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("refused: enable v3 of orders.OrderPlaced: not every member reads v3");
    expect(run.stdout).toContain("applied 1, already in force 0, refused 1");
    expect((await recordOf(fleet, INVOICE))?.level).toBe(3);
    const actions = (await fleet.coordinator().history()).map((entry) => [entry.capability, entry.note.action]);
    expect(actions.filter(([, action]) => action === "refused" || action === "enable-write")).toEqual([
      [ORDERS, "refused"],
      [INVOICE, "enable-write"],
    ]);
  });

  test("a type whose rollout plan is under way is held back: the plan moves its writers", async () => {
    const fleet = await fleetReadingV2();
    await fleet.coordinator().enableWrite(ORDERS, 1, WHO);
    await fleet
      .coordinator()
      .rollouts()
      .start(ORDERS, parseRolloutPlan({ target: 2, steps: [{ percent: 10, where: null, bakeMs: 60_000 }] }), WHO);
    const path = await manifest({ name: ORDERS, newest: 2, writeTarget: 2 });
    const { run, output } = await fleet.json<Results>(["apply", "--manifest", path, ...change]);
    expect(run.code).toBe(1);
    expect(output.change.results[0]?.error).toMatchObject({
      code: "ROLLOUT_UNDER_WAY",
      message:
        "a rollout plan to v2 is running, and it moves the writers (twostep rollout status orders.OrderPlaced): let it finish, or abort it, then apply again",
    });
    expect((await recordOf(fleet, ORDERS))?.level).toBe(1);
  });

  test("judges again at the commit: a rollback that the fleet's changes made after the preview is refused", async () => {
    const fleet = await fleetReadingV2();
    const path = await manifest({ name: ORDERS, newest: 2, writeTarget: 1 });
    const { context, result } = testContext({ plane: fleet.plane, clock: fleet.clock.now, stdinTTY: true });
    // While the release manager reads the preview (enable v1), another moves the writers to v2.
    const confirm = async () => {
      await fleet.coordinator().enableWrite(ORDERS, 1, WHO);
      await fleet.coordinator().enableWrite(ORDERS, 2, WHO);
      return true;
    };
    const outcome = result(await run(["apply", "--manifest", path, "--reason", "release 42"], { ...context, confirm }));
    expect(outcome.stdout).toContain("Plan for orders.OrderPlaced: enable v1");
    expect(outcome.code).toBe(1);
    expect(outcome.stdout).toContain("refused: orders.OrderPlaced: writeTarget v1 is below what the fleet writes (writes v2)");
    expect((await recordOf(fleet, ORDERS))?.level).toBe(2);
  });
});
