import { ExitCode } from "@twostep/cli";
import { describe, expect, test } from "vitest";
import { memoryFleet } from "./support/memory-fleet.js";
import { runInProcess } from "./support/test-context.js";

const commands = ["status", "plan", "enable-write", "disable-write", "retire", "decommission", "history", "watch", "apply"];

describe("help", () => {
  test("the program lists every command and the exit codes", async () => {
    const run = await runInProcess(["--help"], { plane: memoryFleet().plane });
    expect(run.code).toBe(ExitCode.Ok);
    for (const command of commands) expect(run.stdout).toMatch(new RegExp(`^  ${command} `, "m"));
    expect(run.stdout).toContain("Exit codes:");
    expect(run.stdout).toContain("3  the control plane cannot be used: unreachable, not set up, or the credentials may not do this");
  });

  test.each(commands)("%s --help shows its usage, the connection options and an example", async (command) => {
    const run = await runInProcess([command, "--help"], { plane: memoryFleet().plane });
    expect(run.code).toBe(ExitCode.Ok);
    expect(run.stdout).toContain(`Usage: twostep ${command}`);
    expect(run.stdout).toContain("--nats <url>");
    expect(run.stdout).toMatch(new RegExp(`Examples:\\n {2}\\$ twostep ${command}`));
    expect(run.connections).toEqual([]);
  });

  test("commands that change the fleet take --reason, --yes and --dry-run; reads do not", async () => {
    const change = await runInProcess(["retire", "--help"], { plane: memoryFleet().plane });
    expect(change.stdout).toMatch(/--reason <text>[\s\S]*-y, --yes[\s\S]*--dry-run/);
    const read = await runInProcess(["history", "--help"], { plane: memoryFleet().plane });
    expect(read.stdout).not.toContain("--reason");
  });
});

describe("usage errors exit 2", () => {
  test.each([
    ["an unknown command", ["enable", "orders.OrderPlaced", "2"], "unknown command 'enable'"],
    ["a missing argument", ["plan", "orders.OrderPlaced"], "missing required argument 'level'"],
    ["a level that is no number", ["plan", "orders.OrderPlaced", "two"], "give a level as a whole number"],
    ["a percent that is no number", ["plan", "orders.OrderPlaced", "2", "--percent", "ten"], "give a number"],
    ["an unknown --by", ["plan", "orders.OrderPlaced", "2", "--by", "host"], "Allowed choices are key, node"],
    ["a bad --limit", ["history", "--limit", "0"], "give a whole number of 1 or more"],
    ["no command", [], "Usage: twostep"],
    ["regression: an unknown command with --help is named, not answered with the main help", ["nosuchcommand", "--help"], "unknown command 'nosuchcommand'"],
  ])("%s", async (_, argv, message) => {
    const run = await runInProcess(argv, { plane: memoryFleet().plane });
    expect(run.code).toBe(ExitCode.Usage);
    expect(run.stderr).toContain(message);
    expect(run.connections).toEqual([]);
  });
});

describe("connection", () => {
  test("flags win over the environment, which wins over the default", async () => {
    const { plane } = memoryFleet();
    const env = { TWOSTEP_NATS_URL: "nats://env:4222", TWOSTEP_NATS_CREDS: "/env.creds", TWOSTEP_NATS_PREFIX: "fleet2" };
    const byEnv = await runInProcess(["history"], { plane, env });
    expect(byEnv.connections).toEqual([{ servers: ["nats://env:4222"], creds: "/env.creds", bucketPrefix: "fleet2", create: false }]);
    const byFlags = await runInProcess(["history", "--nats", "nats://a:1, nats://b:2", "--creds", "/flag.creds"], { plane, env });
    expect(byFlags.connections).toEqual([{ servers: ["nats://a:1", "nats://b:2"], creds: "/flag.creds", bucketPrefix: "fleet2", create: false }]);
    const byDefault = await runInProcess(["enable-write", "x.Y", "1", "--reason", "r", "--yes"], { plane });
    expect(byDefault.connections).toEqual([{ servers: ["nats://127.0.0.1:4222"], create: true }]);
  });
});

describe("history", () => {
  test("shows who changed what, when and why, with revisions before→after; --json the entries", async () => {
    const fleet = memoryFleet();
    await fleet.add({ prefix: "n-", count: 2, service: "orders", build: "orders@2.0.0", reads: 2 });
    await runInProcess(["enable-write", "orders.OrderPlaced", "1", "--reason", "first", "--actor", "alice", "--yes"], { plane: fleet.plane });
    fleet.clock.advance(60_000);
    await fleet.add({ prefix: "n-", count: 2, service: "orders", build: "orders@2.0.0", reads: 2 });
    await runInProcess(["enable-write", "orders.OrderPlaced", "2", "--percent", "5", "--reason", "canary", "--actor", "bob", "--yes"], { plane: fleet.plane });
    const text = await runInProcess(["history", "orders.OrderPlaced"], { plane: fleet.plane });
    const lines = text.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^WHEN\s+WHO\s+ACTION\s+OF\s+REQUEST\s+REVISION\s+WHY$/);
    expect(lines[1]).toMatch(/^2026-01-01 10:00:00Z\s+alice\s+enable-write\s+orders\.OrderPlaced\s+enable v1\s+rev 0→2\s+"first"$/);
    expect(lines[2]).toMatch(/^2026-01-01 10:01:00Z\s+bob\s+enable-write\s+orders\.OrderPlaced\s+enable v2 at 5% by key\s+rev 2→4\s+"canary"$/);
    const json = JSON.parse((await runInProcess(["history", "--limit", "1", "--json"], { plane: fleet.plane })).stdout);
    expect(json.format).toBe(1);
    expect(json.entries).toHaveLength(1);
    expect(json.entries[0]).toMatchObject({
      actor: "bob",
      action: "enable-write",
      revisionBefore: 2,
      revisionAfter: 4,
      after: { ramp: { to: 2, percent: 5 } },
    });
  });
});
