import { describe, expect, test } from "vitest";
import { ORDERS, useFleets, WHO } from "../support/memory-fleet.js";
import { manifestDeclaring, useTempFiles } from "../support/temp-files.js";

const newFleet = useFleets();
const files = useTempFiles();
const change = ["--reason", "adopt twostep on live traffic", "--yes"];

describe("adopt", () => {
  test("sets the first write level of traffic that existed before twostep, checked and recorded like an enable", async () => {
    const fleet = newFleet();
    await fleet.add({ prefix: "n-", count: 2, service: "orders", build: "orders@1.4.0", reads: 1 });
    const dry = await fleet.run(["adopt", ORDERS, "1", "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("Plan for orders.OrderPlaced: adopt v1");
    expect(dry.stdout).toContain("after     writes v1");
    const { run, output } = await fleet.json(["adopt", ORDERS, "1", ...change]);
    expect(run.code).toBe(0);
    expect(output).toMatchObject({ change: { request: "adopt v1", after: { level: 1, everWritten: [1] }, note: { action: "adopt" } } });
    expect((await fleet.coordinator().history({ capability: ORDERS })).map((entry) => entry.note.action)).toEqual(["intent", "adopt"]);
  });

  test("is refused once the capability has a write level (exit 2), and for a level nothing declares unless the manifest does (exit 1)", async () => {
    const fleet = newFleet();
    await fleet.add({ prefix: "n-", count: 1, service: "orders", build: "orders@2.0.0", reads: 2, uses: [ORDERS] });
    await fleet.coordinator().enableWrite(ORDERS, 1, WHO);
    const again = await fleet.run(["adopt", ORDERS, "1", ...change]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("already has a write level (v1): adopt sets the first one only");
    const undeclared = await fleet.run(["adopt", "legacy.Event", "3", ...change]);
    expect(undeclared.code).toBe(1);
    expect(undeclared.stderr).toContain("no member, and no manifest given, declares legacy.Event v3");
    const manifest = await files.file("twostep.json", manifestDeclaring("legacy.Event", 3));
    expect((await fleet.run(["adopt", "legacy.Event", "3", "--manifest", manifest, ...change])).code).toBe(0);
  });
});
