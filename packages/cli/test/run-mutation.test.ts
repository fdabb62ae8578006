import {
  AUTHOR_LIMITS,
  AuthenticationFailedError,
  ControlPlaneMisconfiguredError,
  ControlPlaneUnreachableError,
  PermissionDeniedError,
  RecordUnreadableError,
  RevisionConflictError,
} from "@twostep/fleet";
import { describe, expect, test } from "vitest";
import { ORDERS, type TestFleet, useFleets } from "./support/memory-fleet.js";
import { withMethod } from "./support/test-context.js";

const newFleet = useFleets();
const enable = (level: number, ...more: string[]) => ["enable-write", ORDERS, String(level), ...more];

async function twoBuilds(): Promise<TestFleet> {
  const fleet = newFleet();
  await fleet.add({ prefix: "new-", count: 3, service: "orders", build: "orders@2.0.0", reads: 2 });
  await fleet.add({ prefix: "old-", count: 2, service: "orders", build: "orders@1.4.0", reads: 1 });
  return fleet;
}

/** Action, actor and reason of every recorded change of orders.OrderPlaced. */
async function recorded(fleet: TestFleet): Promise<string[][]> {
  return (await fleet.coordinator().history({ capability: ORDERS })).map((entry) => [entry.note.action, entry.note.actor, entry.note.reason]);
}

async function levelOf(fleet: TestFleet): Promise<number | null> {
  return (await fleet.coordinator().status(ORDERS)).capabilities[0]?.record?.level ?? null;
}

describe("confirmation and the recorded author", () => {
  test("without --reason: usage error before connecting, nothing recorded", async () => {
    const fleet = await twoBuilds();
    const run = await fleet.run(enable(1, "--yes"));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('pass --reason "TEXT"');
    expect(run.connections).toEqual([]);
    expect(await recorded(fleet)).toEqual([]);
  });

  test("without a terminal and without --yes: exit 2, saying to pass --yes, before connecting", async () => {
    const fleet = await twoBuilds();
    const run = await fleet.run(enable(1, "--reason", "first"), { stdinTTY: false });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("pass --yes");
    expect(run.connections).toEqual([]);
    expect(await levelOf(fleet)).toBeNull();
  });

  test("on a terminal it shows the plan and asks; no means exit 1 and nothing changed", async () => {
    const fleet = await twoBuilds();
    const run = await fleet.run(enable(1, "--reason", "first"), { stdinTTY: true, answers: [false] });
    expect(run.questions).toEqual(["orders.OrderPlaced: enable v1?"]);
    expect(run.stdout).toContain("Plan for orders.OrderPlaced: enable v1");
    expect(run.stdout).toContain("allowed: no member and no rule stands in its way");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("not confirmed");
    expect(await levelOf(fleet)).toBeNull();
    expect(await recorded(fleet)).toEqual([]);
  });

  test("a change that would be refused is still asked about on a terminal, with its blockers; no changes nothing", async () => {
    const fleet = await twoBuilds();
    await fleet.run(enable(1, "--reason", "first", "--yes"));
    const before = await recorded(fleet);
    const run = await fleet.run(enable(2, "--reason", "early"), { stdinTTY: true, answers: [false] });
    expect(run.stdout).toContain("would be refused: blocked by 2 members:");
    expect(run.stdout).toContain("2 × no reader of v2 in build orders@1.4.0 (service orders): old-1, old-2");
    expect(run.questions).toEqual(["orders.OrderPlaced: enable v2?"]);
    expect(run.code).toBe(1);
    expect(await recorded(fleet)).toEqual(before);
  });

  test("yes commits it, recording the default actor, or --actor; the refusal of a later change is recorded too", async () => {
    const fleet = await twoBuilds();
    const asked = await fleet.run(enable(1, "--reason", "first"), { stdinTTY: true, answers: [true] });
    expect(asked.code).toBe(0);
    expect(asked.stdout).toMatch(/done: enable v1 of orders\.OrderPlaced, rev 0→\d+, recorded as tester: "first"\n {2}now writes v1/);
    const named = await fleet.run(enable(2, "--percent", "10", "--reason", "canary", "--actor", "alice", "--yes"));
    expect(named.code).toBe(1); // old-1 and old-2 do not read v2
    expect(await recorded(fleet)).toEqual([
      ["intent", "tester", "first"],
      ["enable-write", "tester", "first"],
      ["refused", "alice", "canary"],
    ]);
  });

  test("a change already in force changes nothing and asks nothing", async () => {
    const fleet = await twoBuilds();
    expect((await fleet.run(enable(1, "--reason", "first", "--yes"))).code).toBe(0);
    const before = await recorded(fleet);
    const again = await fleet.run(enable(1, "--reason", "again"), { stdinTTY: true });
    expect(again.code).toBe(0);
    expect(again.questions).toEqual([]);
    expect(again.stdout).toContain("already in force: nothing would change");
    expect(again.stdout).toContain("nothing changed");
    expect(await recorded(fleet)).toEqual(before);
  });

  test(`--actor and --reason are limited to ${AUTHOR_LIMITS.actor} and ${AUTHOR_LIMITS.reason} characters: exit 2 before anything changes`, async () => {
    const fleet = await twoBuilds();
    const longReason = await fleet.run(enable(1, "--reason", "y".repeat(AUTHOR_LIMITS.reason + 1), "--yes"));
    expect(longReason.code).toBe(2);
    expect(longReason.stderr).toContain(`more than ${AUTHOR_LIMITS.reason}`);
    const longActor = await fleet.run(enable(1, "--reason", "r", "--actor", "x".repeat(AUTHOR_LIMITS.actor + 1), "--yes", "--json"));
    expect(longActor.code).toBe(2);
    expect(JSON.parse(longActor.stdout)).toMatchObject({ error: { code: "INVALID_REQUEST", exitCode: 2 } });
    expect(await recorded(fleet)).toEqual([]);
    expect((await fleet.run(enable(1, "--reason", "y".repeat(AUTHOR_LIMITS.reason), "--yes"))).code).toBe(0);
  });
});

describe("the control plane's clock", () => {
  /** The fleet's plane, counting its reads of the clock and of the heartbeats (each read of the fleet reads both once). */
  function counted(fleet: TestFleet) {
    const calls = { serverTime: 0, readBeats: 0 };
    const timed = withMethod(fleet.plane, "serverTime", () => {
      calls.serverTime++;
      return fleet.plane.serverTime();
    });
    const plane = withMethod(timed, "readBeats", () => {
      calls.readBeats++;
      return fleet.plane.readBeats();
    });
    return { plane, calls };
  }

  test.each([
    ["plan", ["plan", ORDERS, "v2"]],
    ["a dry run", enable(2, "--dry-run")],
    ["a dry run with --json", enable(2, "--dry-run", "--json")],
    ["a change", enable(1, "--reason", "first", "--yes")],
    ["a refused change", enable(2, "--reason", "too early", "--yes")],
  ])("is read only with the fleet: %s makes no round trip of its own", async (_, argv) => {
    const fleet = await twoBuilds();
    const { plane, calls } = counted(fleet);
    const run = await fleet.run(argv, { plane });
    expect(run.stderr.includes("INTERNAL")).toBe(false);
    expect(calls.readBeats).toBeGreaterThan(0);
    expect(calls.serverTime).toBe(calls.readBeats);
  });
});

describe("--dry-run", () => {
  test("previews through the coordinator without --reason or --yes, and changes and records nothing", async () => {
    const fleet = await twoBuilds();
    const run = await fleet.run(enable(1, "--dry-run"));
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("allowed: no member and no rule stands in its way");
    expect(run.stdout).toContain("dry run: nothing changed");
    expect(await levelOf(fleet)).toBeNull();
    expect(await recorded(fleet)).toEqual([]);
  });

  test("exits 1 when the change would be refused, with the plan as JSON and the blockers grouped", async () => {
    const fleet = await twoBuilds();
    await fleet.run(enable(1, "--reason", "first", "--yes"));
    const { run, output } = await fleet.json(enable(2, "--dry-run"));
    expect(run.code).toBe(1);
    const revision = (await fleet.coordinator().status(ORDERS)).capabilities[0]?.revision;
    expect(output).toMatchObject({
      dryRun: true,
      change: null,
      plan: { capability: ORDERS, request: "enable v2", revision, changes: true, allowed: false, newlyRequired: [2], participants: 5, problems: [] },
    });
    expect((output["plan"] as Record<string, unknown>)["blockerGroups"]).toEqual([
      { reason: "no-reader", level: 2, service: "orders", build: "orders@1.4.0", nodeIds: ["old-1", "old-2"], lastSeen: expect.any(Number) },
    ]);
  });
});

describe("refusals and exit codes", () => {
  test("an unsafe enable exits 1 with the coordinator's problem and grouped blockers, and is recorded", async () => {
    const fleet = await twoBuilds();
    await fleet.run(enable(1, "--reason", "first", "--yes"));
    const run = await fleet.run(enable(2, "--reason", "too early", "--yes", "--json"));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("refused: enable v2 of orders.OrderPlaced: not every member reads v2");
    expect(run.stderr).toContain("2 × no reader of v2 in build orders@1.4.0 (service orders): old-1, old-2");
    expect(run.stderr).toContain("nothing changed; the refusal is recorded (twostep history orders.OrderPlaced)");
    expect(JSON.parse(run.stdout)).toMatchObject({ error: { code: "UNSAFE_CHANGE", exitCode: 1, blockers: [{ nodeId: "old-1" }, { nodeId: "old-2" }] } });
    expect((await recorded(fleet)).at(-1)).toEqual(["refused", "tester", "too early"]);
  });

  test("a request that makes no sense is a usage error (exit 2)", async () => {
    const fleet = await twoBuilds();
    const run = await fleet.run(enable(1, "--percent", "150", "--reason", "r", "--yes"));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("percent 150 is out of range");
  });

  test.each([
    ["a revision conflict", () => new RevisionConflictError("write level of orders.OrderPlaced", 0), 1],
    ["an unreadable record", () => new RecordUnreadableError("write-level (orders.OrderPlaced)", "not JSON", "twostep reconcile rebuilds it"), 1],
    ["an unreachable control plane", () => new ControlPlaneUnreachableError("cannot reach the control plane at nowhere:4222"), 3],
    ["denied permission", () => new PermissionDeniedError("append", "the credentials may not append to the log"), 3],
    ["credentials refused", () => new AuthenticationFailedError("the password of user intern was refused"), 3],
    ["a control plane that is not set up", () => new ControlPlaneMisconfiguredError("the log stream does not exist"), 3],
    ["an unexpected error", () => new Error("boom"), 4],
  ])("%s exits by its code", async (_, failure, code) => {
    const fleet = await twoBuilds();
    const failing = withMethod(fleet.plane, "append", async () => Promise.reject(failure()));
    const run = await fleet.run(enable(1, "--reason", "r", "--yes"), { plane: failing });
    expect(run.code).toBe(code);
    expect(run.stderr).toContain(code === 4 ? "unexpected error" : failure().message.split("\n")[0]);
  });
});
