import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { buildCli, twostep } from "./support/twostep-binary.js";

// The built binary, as a subprocess: what happens before it connects. Runs against a real control
// plane come back with the rewritten NATS control plane; the commands themselves are tested in process.

let dir: string;

beforeAll(async () => {
  await buildCli();
  dir = await mkdtemp(join(tmpdir(), "twostep-bin-"));
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

test("the binary answers --help and --version", async () => {
  const help = await twostep(["--help"]);
  expect(help.code).toBe(0);
  expect(help.stdout).toContain("Usage: twostep <command> [options]");
  expect(help.stdout).toContain("Exit codes:");
  const version = await twostep(["--version"]);
  expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
});

test("a change without --reason, or without --yes and no terminal, exits 2 before connecting", async () => {
  const nowhere = { TWOSTEP_NATS_URL: "nats://127.0.0.1:1" };
  const unexplained = await twostep(["enable-write", "orders.OrderPlaced", "1", "--yes"], { env: nowhere });
  expect(unexplained.code).toBe(2);
  expect(unexplained.stderr).toContain('pass --reason "TEXT"');
  const unconfirmed = await twostep(["init", "--reason", "new fleet"], { env: nowhere });
  expect(unconfirmed.code).toBe(2);
  expect(unconfirmed.stderr).toContain("there is no terminal to confirm on: pass --yes to go ahead");
});

test("with --json, an error is also JSON on stdout", async () => {
  const file = join(dir, "levels.json");
  await writeFile(file, JSON.stringify({ format: 1, levels: { "orders.OrderPlaced": { write: "2" } } }));
  const run = await twostep(["apply", file, "--reason", "r", "--yes", "--json"]);
  expect(run.code).toBe(2);
  expect(JSON.parse(run.stdout)).toMatchObject({ error: { code: "INVALID_APPLY_FILE", exitCode: 2 } });
  expect(run.stderr).toContain('levels["orders.OrderPlaced"].write: Invalid input: expected number, received string');
});

test("--help, and commands that connect to nothing, never load the NATS backend; --help loads no @twostep package nor zod; a command that connects does", async () => {
  // A module hook that names on stderr each module it resolves of the NATS backend, of the other @twostep packages, of zod and of protobufjs.
  const hooks = `export async function resolve(specifier, context, next) {
    const resolved = await next(specifier, context);
    if (/\\/packages\\/(?!cli\\/)[^/]+\\/|\\/@nats-io\\/|\\/node_modules\\/(zod|protobufjs)\\//.test(resolved.url)) process.stderr.write("loaded " + resolved.url + "\\n");
    return resolved;
  }`;
  const register = `import { register } from "node:module"; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`;
  const env = { NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent(register)}`, XDG_CONFIG_HOME: dir };
  const nats = /^loaded .*(\/packages\/nats\/|\/@nats-io\/)/m;
  for (const args of [["--help"], ["status", "--help"], ["context", "list"], ["completion", "bash"]]) {
    const run = await twostep(args, { env });
    expect(run.code, args.join(" ")).toBe(0);
    expect(run.stderr, args.join(" ")).not.toMatch(nats);
  }
  // The help builds no schema and loads no @twostep package: only the command that runs does.
  for (const args of [["--help"], ["status", "--help"], ["rollout", "start", "--help"], ["nosuchcommand"]]) {
    const run = await twostep(args, { env });
    expect(run.stderr, args.join(" ")).not.toContain("loaded ");
  }
  const connecting = await twostep(["status", "--nats", "nats://127.0.0.1:1"], { env });
  expect(connecting.code).toBe(3);
  expect(connecting.stderr).toMatch(/^loaded .*\/packages\/nats\//m);
});
