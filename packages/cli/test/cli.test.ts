import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { CliErrorCode, EXIT_CODE_MEANINGS, EXIT_CODES_BY_ERROR, ExitCode } from "@twostep/cli";
import { CheckErrorCode } from "@twostep/check";
import { AUTHOR_LIMITS, FleetErrorCode } from "@twostep/fleet";
import { describe, expect, test } from "vitest";
import { TestFleet } from "./support/memory-fleet.js";
import { runInProcess } from "./support/test-context.js";

const reads = ["status", "plan", "history", "watch", "rollout status", "controller"];
const changes = [
  "enable-write",
  "disable-write",
  "retire",
  "adopt",
  "forget",
  "policy",
  "decommission",
  "init",
  "reconcile",
  "apply",
  "rollout start",
  "rollout pause",
  "rollout resume",
  "rollout promote",
  "rollout abort",
  "rollout retry",
];
const commands = [...reads, ...changes];
/** The argv of a command's help: `rollout start` is two words. */
const help = (command: string) => [...command.split(" "), "--help"];
const plane = () => new TestFleet().plane;
const src = fileURLToPath(new URL("../src", import.meta.url));
const docs = readFileSync(fileURLToPath(new URL("../../../docs/cli.md", import.meta.url)), "utf8");

describe("help", () => {
  test("the program lists every command and the exit codes with the error codes of each", async () => {
    const run = await runInProcess(["--help"], { plane: plane() });
    expect(run.code).toBe(ExitCode.Ok);
    for (const command of [...commands.map((name) => name.split(" ")[0]), "check"]) expect(run.stdout).toMatch(new RegExp(`^  ${command} `, "m"));
    expect(run.stdout).toContain("Exit codes:");
    for (const [code, meaning] of Object.entries(EXIT_CODE_MEANINGS)) expect(run.stdout).toContain(`  ${code}  ${meaning}`);
    expect(run.stdout).toContain("     UNSAFE_CHANGE, REVISION_CONFLICT, RECORD_UNREADABLE, STORE_REGRESSED, DECLINED");
    expect(run.stdout).toContain("     CONTROL_PLANE_UNREACHABLE, CONTROL_PLANE_MISCONFIGURED, AUTHENTICATION_FAILED, PERMISSION_DENIED");
  });

  test.each(commands)("%s --help shows its usage, the connection options and an example", async (command) => {
    const run = await runInProcess(help(command), { plane: plane() });
    expect(run.code).toBe(ExitCode.Ok);
    expect(run.stdout).toContain(`Usage: twostep ${command}`);
    expect(run.stdout).toContain("Connection options:\n  --nats <url>");
    expect(run.stdout).toMatch(new RegExp(`Examples:\\n {2}\\$ twostep ${command}`));
    expect(run.connections).toEqual([]);
  });

  test.each(changes)("%s takes the change options, with the coordinator's limits on --actor and --reason", async (command) => {
    const run = await runInProcess(help(command), { plane: plane() });
    expect(run.stdout).toMatch(/Change options:\n {2}--reason <text>[\s\S]*--actor <name>[\s\S]*-y, --yes[\s\S]*--dry-run[\s\S]*--json/);
    expect(run.stdout).toContain(`at most ${AUTHOR_LIMITS.reason} characters`);
    expect(run.stdout).toContain(`1 to ${AUTHOR_LIMITS.actor} characters`);
  });

  test.each(reads)("%s takes no --reason", async (command) => {
    expect((await runInProcess(help(command), { plane: plane() })).stdout).not.toContain("--reason");
  });
});

describe("exit codes", () => {
  test("every error code of the fleet, the CLI and check has its exit code in the one table", () => {
    for (const code of [...Object.values(FleetErrorCode), ...Object.values(CliErrorCode), ...Object.values(CheckErrorCode)]) {
      expect(EXIT_CODES_BY_ERROR[code], code).toBeDefined();
    }
    expect(EXIT_CODES_BY_ERROR).toMatchObject({ RECORD_UNREADABLE: 1, STORE_REGRESSED: 1, AUTHENTICATION_FAILED: 3, INVALID_REQUEST: 2 });
  });

  test("docs/cli.md names each code under its exit code", () => {
    const rows = new Map([...docs.matchAll(/^\| (\d) +\| (.*)\|$/gm)].map(([, code, text]) => [Number(code), text ?? ""]));
    for (const [error, exit] of Object.entries(EXIT_CODES_BY_ERROR)) {
      if (exit === ExitCode.Internal || Object.values(CheckErrorCode).includes(error as never)) continue;
      expect(rows.get(exit), `${error} in the row of exit ${exit}`).toContain(`\`${error}\``);
    }
  });
});

describe("usage errors exit 2", () => {
  test.each([
    ["an unknown command", ["enable", "orders.OrderPlaced", "2"], "unknown command 'enable'"],
    ["a missing argument", ["plan", "orders.OrderPlaced"], "missing required argument 'level'"],
    ["a level that is no number", ["plan", "orders.OrderPlaced", "two"], "give a level as a whole number"],
    ["a percent that is no number", ["plan", "orders.OrderPlaced", "2", "--percent", "ten"], "give a number"],
    ["an unknown --by", ["plan", "orders.OrderPlaced", "2", "--by", "host"], "Allowed choices are key, node"],
    ["a label given twice", ["plan", "orders.OrderPlaced", "2", "--where", "zone=a", "--where", "zone=b"], "label zone is given twice: give its values once"],
    ["a bad --limit", ["history", "--limit", "0"], "give a whole number of 1 or more"],
    ["a drain window without a unit", ["policy", "orders.OrderPlaced", "--drain-window", "30"], "give a duration such as 90s"],
    ["no command", [], "Usage: twostep"],
    ["a rollout without its subcommand", ["rollout"], "Usage: twostep rollout [options] [command]"],
    ["an unknown rollout subcommand", ["rollout", "begin", "orders.OrderPlaced"], "unknown command 'begin'"],
    ["rollout start without --plan", ["rollout", "start", "orders.OrderPlaced", "--reason", "r", "--yes"], "required option '--plan <file>' not specified"],
    ["status --by without a label", ["status", "--by"], "option '--by <label>' argument missing"],
    ["regression: an unknown command with --help is named, not answered with the main help", ["nosuchcommand", "--help"], "unknown command 'nosuchcommand'"],
  ])("%s", async (_, argv, message) => {
    const run = await runInProcess(argv, { plane: plane() });
    expect(run.code).toBe(ExitCode.Usage);
    expect(run.stderr).toContain(message);
    expect(run.connections).toEqual([]);
  });
});

describe("connection", () => {
  test("only the backends' registration and the NATS backend's file know the control plane runs on NATS", () => {
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)]));
    // The package's entry re-exports the default URL, by its name.
    const allowed = new Set(["backends/nats-backend.ts", "control-plane-backends.ts", "index.ts"]);
    const others = files(src).filter((file) => !allowed.has(relative(src, file)));
    for (const file of others) expect(readFileSync(file, "utf8"), relative(src, file)).not.toMatch(/nats|jetstream|bucket/i);
    const registration = readFileSync(join(src, "control-plane-backends.ts"), "utf8")
      .split("\n")
      .filter((line) => /nats/i.test(line));
    expect(registration).toEqual(['import { natsBackend } from "./backends/nats-backend.js";', "const BACKENDS = [natsBackend] as const;"]);
  });
});

describe("commands that connect to nothing", () => {
  test.each(["context add", "context list", "context show", "context use", "context remove", "completion"])(
    "%s --help shows no connection options",
    async (command) => {
      const run = await runInProcess(help(command), { plane: plane() });
      expect(run.code).toBe(ExitCode.Ok);
      expect(run.stdout).toContain(`Usage: twostep ${command}`);
      expect(run.stdout).not.toContain("Connection options:");
    },
  );
});
