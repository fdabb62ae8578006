import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { ORDERS, type TestFleet, useFleets, WHO } from "../support/memory-fleet.js";
import { type ManifestTypeSpec, manifestOf, useTempFiles } from "../support/temp-files.js";

const newFleet = useFleets();
const files = useTempFiles();
const INVOICE = "billing.InvoiceSent";

/** Three nodes that read orders.OrderPlaced v1..v2 and only that, writing v2 after v1. */
async function fleetWritingV2(): Promise<TestFleet> {
  const fleet = newFleet();
  await fleet.add({ prefix: "n-", count: 3, service: "orders", build: "orders@2.0.0", reads: 2, uses: [ORDERS] });
  await fleet.coordinator().enableWrite(ORDERS, 1, WHO);
  await fleet.coordinator().enableWrite(ORDERS, 2, WHO);
  return fleet;
}

/** Writes a manifest of these types and returns its path. */
function manifest(...types: ManifestTypeSpec[]): Promise<string> {
  return files.file("twostep.json", manifestOf(...types));
}

describe("diff", () => {
  test("exits 0 when the manifest and the fleet agree, saying so per type", async () => {
    const fleet = await fleetWritingV2();
    const path = await manifest({ name: ORDERS, newest: 2, writeTarget: 2 });
    const run = await fleet.run(["diff", "--manifest", path]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      `Manifest  ${path} against the fleet  at 2026-01-01 10:00:00Z\n` +
        "\n" +
        "orders.OrderPlaced  agrees  rev 9\n" +
        "  write target  v2; the fleet: writes v2\n" +
        "\n" +
        "the manifest and the fleet agree\n",
    );
  });

  test("exits 1 when they differ, each disagreement on an aligned row", async () => {
    const fleet = await fleetWritingV2();
    await fleet.add({
      prefix: "b-",
      count: 1,
      service: "billing",
      build: "billing@1.0.0",
      reads: 0,
      features: { [INVOICE]: { reads: { min: 1, max: 1 } } },
      uses: [INVOICE],
    });
    const path = await manifest({ name: ORDERS, newest: 3, retired: [1], writeTarget: 3 }, { name: "shipping.Shipped", newest: 1 });
    const run = await fleet.run(["diff", "--manifest", path]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      `Manifest  ${path} against the fleet  at 2026-01-01 10:00:00Z\n` +
        "\n" +
        "orders.OrderPlaced  differs  rev 9\n" +
        "  write target  v3; the fleet: writes v2\n" +
        "  retired       manifest v1   fleet none\n" +
        "  not retired   v1: retired in the manifest, still required by the fleet (twostep retire orders.OrderPlaced 1 once drained)\n" +
        "  unread        v3: no member reads it\n" +
        "\n" +
        "shipping.Shipped  differs  rev 0\n" +
        "  write target  none (apply leaves it alone); the fleet: writes closed: nothing enabled\n" +
        "  unread        v1: no member takes part in shipping.Shipped\n" +
        "\n" +
        "Not in the manifest\n" +
        "  billing.InvoiceSent  writes closed: nothing enabled, 1 member takes part\n" +
        "\n" +
        "the manifest and the fleet differ: 2 of 2 types, 1 capability not in the manifest\n",
    );
    // A capability not in the manifest, in --json: its fields in their documented order.
    const { output } = await fleet.json(["diff", "--manifest", path]);
    const [unknown] = output["notInManifest"] as Record<string, unknown>[];
    expect(unknown).toEqual({ capability: INVOICE, level: null, ramp: null, revision: 0, problem: null, participants: 1, renamedTo: null });
    expect(Object.keys(unknown ?? {})).toEqual(["capability", "level", "ramp", "revision", "problem", "participants", "renamedTo"]);
  });

  test("--json: the documented shape", async () => {
    const fleet = await fleetWritingV2();
    await fleet.coordinator().enableWrite(ORDERS, 1, { ...WHO, percent: 10 });
    const path = await manifest({ name: ORDERS, newest: 2, writeTarget: 2 });
    const { run, output } = await fleet.json(["diff", "--manifest", path]);
    expect(run.code).toBe(1);
    expect(output).toEqual({
      format: 1,
      at: Date.UTC(2026, 0, 1, 10),
      manifest: path,
      agree: false,
      regressed: [],
      typeDiffs: [
        {
          type: ORDERS,
          agrees: false,
          writeTarget: 2,
          write: "differs",
          level: 2,
          ramp: { to: 1, percent: 10, by: "key", where: null },
          revision: 10,
          problem: null,
          required: [1, 2],
          retired: { manifest: [], fleet: [] },
          retiredStillRequired: [],
          retiredInFleetOnly: [],
          targetRetired: false,
          unread: [],
          participants: 3,
        },
      ],
      notInManifest: [],
    });
    // The fields in their documented order (the JSON is written field by field as diffManifest makes them).
    expect(Object.keys((output["typeDiffs"] as object[])[0] ?? {})).toEqual([
      "type",
      "agrees",
      "writeTarget",
      "write",
      "level",
      "ramp",
      "revision",
      "problem",
      "required",
      "retired",
      "retiredStillRequired",
      "retiredInFleetOnly",
      "targetRetired",
      "unread",
      "participants",
    ]);
  });

  test("a write target the fleet retired differs; a level retired in the fleet that the manifest still reads is fine", async () => {
    const fleet = await fleetWritingV2();
    await fleet.advance(3_600_001);
    await fleet.coordinator().retire(ORDERS, 1, WHO);
    const fine = await fleet.json(["diff", "--manifest", await manifest({ name: ORDERS, newest: 2, writeTarget: 2 })]);
    expect(fine.run.code).toBe(0);
    expect(fine.output["typeDiffs"]).toMatchObject([{ agrees: true, retiredInFleetOnly: [1], retired: { manifest: [], fleet: [1] } }]);
    const text = await fleet.run(["diff", "--manifest", await manifest({ name: ORDERS, newest: 2, writeTarget: 1 })]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain("  target retired  v1: the manifest writes it, and the fleet retired it\n");
    expect(text.stdout).toContain("  fleet retired   v1: the manifest still reads it (fine: its reader may go in a later change)\n");
  });

  test("fails closed: a record that cannot be read, or a store that went backwards, never agrees", async () => {
    const fleet = await fleetWritingV2();
    const path = await manifest({ name: ORDERS, newest: 2, writeTarget: 2 });
    const { revision } = (await fleet.coordinator().status(ORDERS)).capabilities[0]!;
    await fleet.plane.append({ kind: "level", capability: ORDERS }, new TextEncoder().encode("not a record"), { expect: revision });
    const unreadable = await fleet.json(["diff", "--manifest", path]);
    expect(unreadable.run.code).toBe(1);
    expect(unreadable.output["typeDiffs"]).toMatchObject([{ agrees: false, write: "unreadable", level: null, problem: expect.any(String) }]);

    const regressed = newFleet();
    await regressed.add({ prefix: "n-", count: 2, service: "orders", build: "orders@2.0.0", reads: 2, uses: [ORDERS] });
    await regressed.regressStore();
    const run = await regressed.run(["diff", "--manifest", path]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("  the store went backwards: nothing it says is taken as agreeing until twostep reconcile\n");
    expect(run.stdout).toMatch(/the manifest and the fleet differ: .*a store that went backwards\n$/);
  });

  test("shows what nodes send as text: control characters are escaped", async () => {
    const fleet = await fleetWritingV2();
    const evil = "evil\u001b[2J";
    await fleet.add({ prefix: "x-", count: 1, service: "x", build: "x@1", reads: 0, features: { [evil]: { reads: { min: 1, max: 1 } } }, uses: [evil] });
    const run = await fleet.run(["diff", "--manifest", await manifest({ name: ORDERS, newest: 2, writeTarget: 2 })]);
    expect(run.stdout).toContain("  evil\\u001b[2J  writes closed: nothing enabled, 1 member takes part\n");
    expect(run.stdout).not.toContain("\u001b");
  });

  test("reads schemas/twostep.json of the working directory by default, before connecting; a manifest it cannot use is exit 2", async () => {
    const fleet = await fleetWritingV2();
    const missing = await fleet.run(["diff"], { cwd: files.dir() });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("cannot read the manifest schemas/twostep.json (ENOENT): check the path given to --manifest");
    expect(missing.connections).toEqual([]);
    await mkdir(join(files.dir(), "schemas"));
    await writeFile(join(files.dir(), "schemas", "twostep.json"), JSON.stringify(manifestOf({ name: ORDERS, newest: 2, writeTarget: 2 })));
    expect((await fleet.run(["diff"], { cwd: files.dir() })).code).toBe(0);
    await files.file("schemas/twostep.json", "{ not json");
    const invalid = await fleet.run(["diff", "--json"], { cwd: files.dir() });
    expect(invalid.code).toBe(2);
    expect(JSON.parse(invalid.stdout)).toMatchObject({ error: { code: "INVALID_MANIFEST", exitCode: 2 } });
  });
});
