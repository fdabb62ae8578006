import { describe, expect, test } from "vitest";
import { ORDERS, useFleets, WHO } from "../support/memory-fleet.js";

const newFleet = useFleets();
const TYPO = "billing.InvoiceIsued";
const change = ["--reason", "typo, enabled by mistake", "--yes"];

describe("forget", () => {
  test("removes a record no member reads or writes, recorded; status no longer lists it", async () => {
    const fleet = newFleet();
    await fleet.add({ prefix: "n-", count: 1, service: "orders", build: "orders@2.0.0", reads: 2, uses: [ORDERS] });
    await fleet.coordinator().enableWrite(TYPO, 2, { ...WHO, allowUndeclared: true });
    const dry = await fleet.run(["forget", TYPO, "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("after     no record: forgotten, as if never enabled");
    const { run, output } = await fleet.json(["forget", TYPO, ...change]);
    expect(run.code).toBe(0);
    expect(output).toMatchObject({ change: { request: "forget", changed: true, after: null, revisionAfter: 0, note: { action: "forget" } } });
    const text = await fleet.run(["status"]);
    expect(text.stdout).not.toContain(TYPO);
    const history = await fleet.run(["history", TYPO]);
    expect(history.stdout).toMatch(/tester\s+forget\s+billing\.InvoiceIsued\s+forget/);
  });

  test("is refused while a member's build declares the capability (exit 1), and a capability without a record is a usage error", async () => {
    const fleet = newFleet();
    await fleet.add({ prefix: "n-", count: 1, service: "orders", build: "orders@2.0.0", reads: 2 });
    await fleet.coordinator().enableWrite(ORDERS, 1, WHO);
    const used = await fleet.run(["forget", ORDERS, ...change]);
    expect(used.code).toBe(1);
    expect(used.stderr).toContain("1 × no reader of v1 in build orders@2.0.0 (service orders): n-1");
    const none = await fleet.run(["forget", TYPO, ...change]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("has no record: there is nothing to forget");
  });
});
