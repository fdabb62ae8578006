import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { memoryFleet } from "../support/memory-fleet.js";
import { runInProcess } from "../support/test-context.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "twostep-apply-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(content: unknown): Promise<string> {
  const path = join(dir, "levels.json");
  await writeFile(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

async function fleetReadingV2() {
  const fleet = memoryFleet();
  await fleet.add({
    prefix: "n-",
    count: 3,
    service: "orders",
    build: "orders@2.0.0",
    capabilities: {
      "orders.OrderPlaced": { reads: { min: 1, max: 2 }, writes: { min: 1, max: 2 } },
      "billing.InvoiceSent": { reads: { min: 1, max: 3 }, writes: { min: 1, max: 3 } },
    },
  });
  return fleet;
}

describe("the apply file", () => {
  test.each([
    ["not JSON", "{ format: 1", "not JSON"],
    [
      "a wrong type, with its path",
      { format: 1, levels: { "orders.OrderPlaced": { write: "2" } } },
      'levels["orders.OrderPlaced"].write: Invalid input: expected number, received string',
    ],
    ["an unknown key", { format: 1, levels: { "orders.OrderPlaced": { wirte: 2 } } }, 'levels["orders.OrderPlaced"]: Unrecognized key: "wirte"'],
    ["a percent out of range", { format: 1, levels: { "x.Y": { write: 2, percent: 0 } } }, 'levels["x.Y"].percent: Too small'],
    ["by without a ramp", { format: 1, levels: { "x.Y": { write: 2, by: "node" } } }, 'levels["x.Y"].by: applies only to a ramp'],
    ["another format", { format: 2, levels: {} }, "format: Invalid input: expected 1"],
  ])("rejects %s with exit 2, before connecting", async (_, content, message) => {
    const { plane } = memoryFleet();
    const run = await runInProcess(["apply", await file(content), "--reason", "r", "--yes"], { plane });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("is not a valid twostep apply file");
    expect(run.stderr).toContain(message);
    expect(run.connections).toEqual([]);
  });

  test("a missing file is a usage error", async () => {
    const { plane } = memoryFleet();
    const run = await runInProcess(["apply", join(dir, "nope.json"), "--dry-run"], { plane });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("cannot read it (ENOENT)");
  });
});

describe("applying", () => {
  test("is idempotent: a second apply changes nothing and says so", async () => {
    const { plane } = await fleetReadingV2();
    const levels = await file({ format: 1, levels: { "orders.OrderPlaced": { write: 1 }, "billing.InvoiceSent": { write: 2 } } });
    const first = await runInProcess(["apply", levels, "--reason", "release 42", "--yes"], { plane });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("2 to change, 0 already in force");
    expect(first.stdout).toContain("applied 2, already in force 0, refused 0");
    expect((await plane.getLevel("billing.InvoiceSent"))?.value.level).toBe(2);
    const audited = (await plane.readAudit()).length;
    const second = await runInProcess(["apply", levels, "--reason", "release 42", "--yes"], { plane });
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`nothing to apply: every level in ${levels} is already in force`);
    expect(await plane.readAudit()).toHaveLength(audited);
  });

  test("ramps with percent and by, and --dry-run changes nothing", async () => {
    const { plane } = await fleetReadingV2();
    await runInProcess(["enable-write", "orders.OrderPlaced", "1", "--reason", "first", "--yes"], { plane });
    const levels = await file({ format: 1, levels: { "orders.OrderPlaced": { write: 2, percent: 10, by: "node" } } });
    const dry = await runInProcess(["apply", levels, "--dry-run", "--json"], { plane });
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({
      dryRun: true,
      change: null,
      plan: { file: levels, plans: [{ request: "enable v2 at 10% by node", allowed: true }] },
    });
    expect((await plane.getLevel("orders.OrderPlaced"))?.value.ramp).toBeNull();
    const applied = await runInProcess(["apply", levels, "--reason", "canary", "--yes", "--json"], { plane });
    expect(applied.code).toBe(0);
    expect(JSON.parse(applied.stdout).change).toMatchObject({
      changed: 1,
      inForce: 0,
      refused: 0,
      results: [{ capability: "orders.OrderPlaced", outcome: "changed" }],
    });
    expect((await plane.getLevel("orders.OrderPlaced"))?.value.ramp).toEqual({ to: 2, percent: 10, by: "node" });
  });

  test("a refused capability is reported and recorded, the others applied, exit 1", async () => {
    const fleet = await fleetReadingV2();
    const levels = await file({ format: 1, levels: { "orders.OrderPlaced": { write: 3 }, "billing.InvoiceSent": { write: 3 } } });
    const run = await runInProcess(["apply", levels, "--reason", "r"], { plane: fleet.plane, stdinTTY: true, answers: [true] });
    expect(run.questions).toEqual([`apply ${levels}?`]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("refused: orders.OrderPlaced: enable v3 of orders.OrderPlaced: not every member reads v3");
    expect(run.stdout).toContain("3 × no reader of v3 in build orders@2.0.0 (service orders): n-1, n-2, n-3");
    expect(run.stdout).toContain("applied 1, already in force 0, refused 1");
    expect((await fleet.plane.getLevel("billing.InvoiceSent"))?.value.level).toBe(3);
    expect((await fleet.plane.readAudit()).map((entry) => [entry.capability, entry.action])).toEqual([
      ["orders.OrderPlaced", "refused"],
      ["billing.InvoiceSent", "enable-write"],
    ]);
  });
});
