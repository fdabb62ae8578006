import type { WatchSnapshot } from "@twostep/cli";
import { describe, expect, test, vi } from "vitest";
import { ORDERS, useFleets, WHO } from "../support/memory-fleet.js";
import { startInProcess, withMethod } from "../support/test-context.js";

const newFleet = useFleets();

test("without a terminal, watch prints a line per change: members, readers, write state, convergence, audit entries", async () => {
  const fleet = newFleet();
  await fleet.add({ prefix: "n-", count: 2, service: "orders", build: "orders@2.0.0", reads: 2 });
  const interrupt = new AbortController();
  const watching = startInProcess(["watch", ORDERS, "--interval", "20"], { plane: fleet.plane, clock: fleet.clock.now, signal: interrupt.signal });
  const printed = (line: string) => vi.waitFor(() => expect(watching.stdout().split("\n")).toContain(line));
  await printed("orders.OrderPlaced: v2 read-ready (every member reads it)");
  await fleet.add({ prefix: "m-", count: 1, service: "orders", build: "orders@1.4.0", reads: 1 });
  await printed("orders.OrderPlaced: v1 readers 3/3");
  await fleet.coordinator().enableWrite(ORDERS, 1, WHO);
  await printed("orders.OrderPlaced: writes v1, required v1");
  await vi.waitFor(() => expect(watching.stdout()).toContain("alice enable-write"));
  await fleet.heartbeat();
  await printed("orders.OrderPlaced: applied by 3 of 3");
  interrupt.abort();
  const run = await watching.done;
  expect(run.code).toBe(0);
  const lines = run.stdout.trimEnd().split("\n");
  expect(lines.slice(0, 5)).toEqual([
    "fleet: 2 members (0 starting, 2 live, 0 stale, 0 expired)",
    "orders.OrderPlaced: writes closed: nothing enabled, required none",
    "orders.OrderPlaced: v1 readers 2/2",
    "orders.OrderPlaced: v2 readers 2/2",
    "orders.OrderPlaced: v2 read-ready (every member reads it)",
  ]);
  expect(lines).toContain("orders.OrderPlaced: v2 readers 2/3");
  expect(lines).toContain("orders.OrderPlaced: v2 blocked by 1 member");
  expect(lines.some((line) => /^audit: \d\d:\d\d:\d\d alice enable-write orders\.OrderPlaced enable v1 rev 0→\d+ "first rollout"$/.test(line))).toBe(true);
  // Nothing is repeated while nothing changes.
  expect(lines.filter((line) => line === "orders.OrderPlaced: v1 readers 3/3")).toHaveLength(1);
});

test("--json prints one event per line", async () => {
  const fleet = newFleet();
  await fleet.add({ prefix: "n-", count: 2, service: "orders", build: "orders@2.0.0", reads: 2 });
  const run = await fleet.run(["watch", "--json", "--interval", "20", "--for", "0.2"], { stdoutTTY: true });
  const events = run.stdout
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line) as WatchSnapshot & { event: string });
  expect(events).toHaveLength(1);
  expect(events[0]).toMatchObject({
    event: "status",
    plane: { epoch: null, regressed: 0, unreadable: 0 },
    members: { total: 2, starting: 0, live: 2, stale: 0, expired: 0 },
  });
  expect(events[0]?.capabilities.find((entry) => entry.capability === ORDERS)).toEqual({
    capability: ORDERS,
    level: null,
    ramp: null,
    problem: null,
    required: [],
    readers: { "1": 2, "2": 2 },
    participants: 2,
    applied: 2,
    of: 2,
    next: 2,
    blockers: 0,
  });
});

test("on a terminal, watch redraws frames in place with a bar towards the next level, until interrupted", async () => {
  const fleet = newFleet();
  await fleet.add({ prefix: "n-", count: 3, service: "orders", build: "orders@2.0.0", reads: 2 });
  await fleet.add({ prefix: "old-", count: 1, service: "orders", build: "orders@1.4.0", reads: 1 });
  await fleet.coordinator().enableWrite(ORDERS, 1, WHO);
  await fleet.heartbeat();
  const interrupt = new AbortController();
  const watching = startInProcess(["watch", "--interval", "20"], {
    plane: fleet.plane,
    clock: fleet.clock.now,
    stdoutTTY: true,
    env: { NO_COLOR: "1" },
    signal: interrupt.signal,
  });
  await vi.waitFor(() => expect(watching.frames().length).toBeGreaterThan(1));
  interrupt.abort();
  const run = await watching.done;
  expect(run.code).toBe(0);
  expect(run.stdout).toBe("");
  const frame = run.frames.at(-1) ?? "";
  expect(frame).toContain("orders.OrderPlaced  writes v1  required v1");
  expect(frame).toContain("readers  v1 4/4   v2 3/4");
  expect(frame).toContain("applied by 4 of 4: every member follows the current record");
  expect(frame).toContain("v2       [███████████████░░░░░] 3/4 read it: 1 to go");
  expect(frame).toContain("1 × no reader of v2 in build orders@1.4.0 (service orders): old-1");
  expect(frame).toMatch(/Recent changes\n(?: {2}.*\n)* {2}\d\d:\d\d:\d\d alice enable-write orders\.OrderPlaced enable v1 rev 0→\d+ "first rollout"/);
});

describe("a change recorded while watch reads the recent history", () => {
  test.each([
    ["after the read", "after"],
    ["before the read", "before"],
  ] as const)("%s is shown, once", async (_, when) => {
    const fleet = newFleet();
    await fleet.add({ prefix: "n-", count: 2, service: "orders", build: "orders@2.0.0", reads: 2 });
    let recorded = false;
    const record = async () => {
      if (recorded) return;
      recorded = true;
      await fleet.coordinator().enableWrite(ORDERS, 1, WHO);
    };
    // Another coordinator's change lands while the watch reads the history, before the read returns.
    const plane = withMethod(fleet.plane, "history", async (options) => {
      if (when === "before") await record();
      const entries = await fleet.plane.history(options);
      if (when === "after") await record();
      return entries;
    });
    const interrupt = new AbortController();
    const watching = startInProcess(["watch", "--interval", "20"], {
      plane,
      clock: fleet.clock.now,
      stdoutTTY: true,
      env: { NO_COLOR: "1" },
      signal: interrupt.signal,
    });
    await vi.waitFor(() => expect(watching.frames().at(-1)).toContain("alice enable-write"));
    interrupt.abort();
    const run = await watching.done;
    expect(run.code).toBe(0);
    expect(recorded).toBe(true);
    const frame = run.frames.at(-1) ?? "";
    expect(frame.match(/alice enable-write/g)).toHaveLength(1);
    expect(frame).toMatch(/Recent changes\n(?: {2}.*\n)* {2}\d\d:\d\d:\d\d alice enable-write orders\.OrderPlaced enable v1 rev 0→\d+ "first rollout"/);
  });
});

test("a store that went backwards is said once, until it changes", async () => {
  const fleet = newFleet();
  await fleet.add({ prefix: "n-", count: 1, service: "orders", build: "orders@2.0.0", reads: 2 });
  await fleet.regressStore();
  const run = await fleet.run(["watch", ORDERS, "--interval", "20", "--for", "0.2"]);
  const lines = run.stdout.trimEnd().split("\n");
  expect(lines.filter((line) => line.startsWith("control plane:"))).toEqual([
    "control plane: the store went backwards (1 sign): changes wait for twostep reconcile",
  ]);
});

describe("watch --by", () => {
  /** Zone a on the new build, zone b with one old node, one old node without a zone. */
  async function zonedFleet() {
    const fleet = newFleet();
    await fleet.add({ prefix: "a-", count: 2, service: "orders", build: "orders@2.0.0", reads: 2, labels: { zone: "a" } });
    await fleet.add({ prefix: "b-", count: 1, service: "orders", build: "orders@2.0.0", reads: 2, labels: { zone: "b" } });
    await fleet.add({ prefix: "b-old-", count: 1, service: "orders", build: "orders@1.4.0", reads: 1, labels: { zone: "b" } });
    await fleet.add({ prefix: "lab-", count: 1, service: "orders", build: "orders@1.4.0", reads: 1 });
    return fleet;
  }

  test("prints the members per value of the label and where the next level is blocked, and again when it changes", async () => {
    const fleet = await zonedFleet();
    const interrupt = new AbortController();
    const watching = startInProcess(["watch", ORDERS, "--by", "zone", "--interval", "20"], {
      plane: fleet.plane,
      clock: fleet.clock.now,
      signal: interrupt.signal,
    });
    const printed = (line: string) => vi.waitFor(() => expect(watching.stdout().split("\n")).toContain(line));
    await printed("fleet by zone: zone=a 2 live; zone=b 2 live; no zone 1 live");
    await printed("orders.OrderPlaced: v2 blocked in zone=b by 1, no zone by 1");
    await fleet.add({ prefix: "c-", count: 1, service: "orders", build: "orders@2.0.0", reads: 2, labels: { zone: "c" } });
    await printed("fleet by zone: zone=a 2 live; zone=b 2 live; zone=c 1 live; no zone 1 live");
    interrupt.abort();
    expect((await watching.done).code).toBe(0);
  });

  test("--json status events carry the members per value and the blockers per value", async () => {
    const fleet = await zonedFleet();
    const run = await fleet.run(["watch", "--json", "--by", "zone", "--interval", "20", "--for", "0.2"]);
    const event = JSON.parse(run.stdout.trimEnd().split("\n")[0] ?? "") as WatchSnapshot;
    expect(event.by).toEqual({
      label: "zone",
      groups: {
        "zone=a": { starting: 0, live: 2, stale: 0, expired: 0 },
        "zone=b": { starting: 0, live: 2, stale: 0, expired: 0 },
        "no zone": { starting: 0, live: 1, stale: 0, expired: 0 },
      },
    });
    expect(event.capabilities.find((entry) => entry.capability === ORDERS)?.blockersBy).toEqual({ "zone=b": 1, "no zone": 1 });
  });

  test("on a terminal, the frame counts the members per value and groups the blockers by value", async () => {
    const fleet = await zonedFleet();
    const run = await fleet.run(["watch", "--by", "zone", "--interval", "20", "--for", "0.2"], { stdoutTTY: true, env: { NO_COLOR: "1" } });
    const frame = run.frames.at(-1) ?? "";
    expect(frame).toContain("zone=a 2 live · zone=b 2 live · no zone 1 live");
    expect(frame).toContain("zone=b: 1 blocking");
    expect(frame).toContain("no zone: 1 blocking");
  });
});
