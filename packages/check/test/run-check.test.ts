import { join } from "node:path";
import { CHECK_USAGE, runCheck } from "@twostep/check";
import type { ControlPlane } from "@twostep/fleet";
import { describe, expect, it, vi } from "vitest";
import { fleetReading } from "./fleet-reading.js";
import { lineOf, renderManifest, shopManifest, tempRepos, type GitRepo } from "./git-repo.js";

const MANIFEST = "schemas/twostep.json";

const repos = tempRepos();

/** A working tree whose manifest raises orders.OrderPlaced's write target to a version it adds (v3): one WRITER_WITH_READER. */
async function writerWithReader(repo: GitRepo, under = "schemas"): Promise<string> {
  const v2 = await repo.read(`${under}/shop/orders/v2/order_placed.proto`);
  await repo.write(`${under}/shop/orders/v3/order_placed.proto`, v2.replaceAll("shop.orders.v2", "shop.orders.v3"));
  const manifest = await shopManifest();
  const orders = manifest.types[0]!;
  orders.versions.push({ version: 3, proto: "shop/orders/v3/order_placed.proto", message: "shop.orders.v3.OrderPlaced" });
  orders.writeTarget = 3;
  const text = renderManifest(manifest);
  await repo.write(`${under}/twostep.json`, text);
  return text;
}

describe("runCheck", () => {
  it("prints the usage with --help and exits 0", async () => {
    expect(await runCheck(["--help"])).toEqual({ exitCode: 0, stdout: CHECK_USAGE, stderr: "", violations: [] });
  });

  it("exits 0 on a clean change, printing a summary on stderr only", async () => {
    const repo = await repos.shop();
    const result = await runCheck(["--base", "HEAD"], { cwd: repo.dir });
    expect(result).toEqual({ exitCode: 0, stdout: "", stderr: "twostep check: no violations against HEAD\n", violations: [] });
  });

  it("exits 1 on violations, printed as text blocks", async () => {
    const repo = await repos.shop();
    const text = await writerWithReader(repo);
    const line = lineOf(text, '"writeTarget": 3');
    const result = await runCheck(["--base", "HEAD", "--format", "text"], { cwd: repo.dir });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe(
      `${MANIFEST}:${line}:7: WRITER_WITH_READER orders.OrderPlaced writes v3 (writeTarget) in the change that adds the reader of v3: ` +
        `nodes still on the base build cannot read v3\n` +
        `  fix: Ship the reader first: set "writeTarget" back to 1 here, deploy this build to every node, then raise writeTarget to 3 ` +
        `in a later change (twostep plan orders.OrderPlaced 3 shows who does not read it yet).\n`,
    );
    expect(result.stderr).toBe("twostep check: 1 violation against HEAD\n");
  });

  it("prints JSON in a stable shape", async () => {
    const repo = await repos.shop();
    const text = await writerWithReader(repo);
    const result = await runCheck(["--base=HEAD", "--format=json"], { cwd: repo.dir });
    expect(result.exitCode).toBe(1);
    const printed = JSON.parse(result.stdout) as { violations: Record<string, unknown>[] };
    expect(Object.keys(printed)).toEqual(["violations"]);
    expect(printed.violations).toHaveLength(1);
    expect(Object.keys(printed.violations[0]!)).toEqual(["rule", "file", "line", "column", "type", "version", "message", "fix"]);
    expect(printed.violations[0]).toMatchObject({
      rule: "WRITER_WITH_READER",
      file: MANIFEST,
      line: lineOf(text, '"writeTarget": 3'),
      type: "orders.OrderPlaced",
      version: 3,
    });
  });

  it("prints GitHub annotations with paths from the repository root, also when run in a subdirectory", async () => {
    const repo = await repos.shop("services/shop/schemas");
    const text = await writerWithReader(repo, "services/shop/schemas");
    const line = lineOf(text, '"writeTarget": 3');
    const result = await runCheck(["--base", "HEAD", "--format", "github"], { cwd: join(repo.dir, "services", "shop") });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(
      new RegExp(
        `^::error file=services/shop/schemas/twostep.json,line=${line},col=7,title=WRITER_WITH_READER::orders.OrderPlaced writes v3 .*%0AShip the reader first: .*\\n$`,
      ),
    );
  });

  it("reads the manifest --manifest names", async () => {
    const repo = await repos.shop("services/shop/schemas");
    const text = await writerWithReader(repo, "services/shop/schemas");
    const result = await runCheck(["--base", "HEAD", "--manifest", "services/shop/schemas/twostep.json"], { cwd: repo.dir });
    expect(result.violations.map((violation) => `${violation.rule} ${violation.file}:${violation.line}`)).toEqual([
      `WRITER_WITH_READER services/shop/schemas/twostep.json:${lineOf(text, '"writeTarget": 3')}`,
    ]);
    expect((await runCheck(["--base", "HEAD"], { cwd: repo.dir })).stderr).toMatch(
      /^twostep check: PROTO_READ: cannot read the schemas at schemas\/twostep.json/,
    );
  });

  it("writes to injected writers what it returns", async () => {
    const repo = await repos.shop();
    await writerWithReader(repo);
    const out: string[] = [];
    const err: string[] = [];
    const result = await runCheck(["--base", "HEAD"], {
      cwd: repo.dir,
      stdout: { write: (text) => out.push(text) },
      stderr: { write: (text) => err.push(text) },
    });
    expect(out.join("")).toBe(result.stdout);
    expect(err.join("")).toBe(result.stderr);
  });

  it.each([
    [[], "--base REF is required"],
    [["--base", "HEAD", "--format", "xml"], 'unknown --format "xml"'],
    [["--base", "HEAD", "--verbose"], "Unknown option '--verbose'"],
    [["--base", "HEAD", "extra"], 'unexpected argument "extra"'],
    [["compat", "a"], "check compat needs two directories"],
    [["compat", "a", "b", "--base", "HEAD"], "check compat takes no --base"],
    [["--base", "HEAD", "--fleet", "nats://localhost:4222"], "--fleet is not available here"],
  ])("exits 2 on bad usage: %j", async (args, problem) => {
    const result = await runCheck(args, { cwd: "/" });
    expect(result).toMatchObject({ exitCode: 2, stdout: "", violations: [] });
    expect(result.stderr).toContain(`twostep check: CHECK_USAGE: ${problem}`);
  });

  it("exits 2 on input it cannot read, with the error in the chosen format", async () => {
    const repo = await repos.shop();
    const unknown = await runCheck(["--base", "origin/main"], { cwd: repo.dir });
    expect(unknown).toMatchObject({ exitCode: 2, stdout: "" });
    expect(unknown.stderr).toMatch(/^twostep check: UNKNOWN_REVISION: "origin\/main" names no commit .*fetch-depth: 0/);

    const manifest = await shopManifest();
    manifest.types[0]!.writeTarget = 9;
    const text = renderManifest(manifest);
    await repo.write(MANIFEST, text);
    const line = lineOf(text, '"writeTarget": 9');
    const json = await runCheck(["--base", "HEAD", "--format", "json"], { cwd: repo.dir });
    expect(json.exitCode).toBe(2);
    expect(JSON.parse(json.stdout)).toEqual({
      error: { code: "INVALID_MANIFEST", file: MANIFEST, line, side: "current", message: expect.stringContaining("targets writing v9") },
    });
    const github = await runCheck(["--base", "HEAD", "--format", "github"], { cwd: repo.dir });
    expect(github.exitCode).toBe(2);
    expect(github.stdout).toMatch(new RegExp(`^::error file=${MANIFEST},line=${line},title=INVALID_MANIFEST::`));
  });

  it("compares two directories with compat, printing paths relative to the working directory", async () => {
    const repo = await repos.create({
      "before/a.proto": 'syntax = "proto3";\nmessage A {\n  string name = 1;\n}\n',
      "after/a.proto": 'syntax = "proto3";\nmessage A {\n  int64 name = 1;\n}\n',
    });
    const result = await runCheck(["compat", "before", "after"], { cwd: repo.dir });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/^after\/a\.proto:3:3: FIELD_WIRE_COMPATIBLE_TYPE /);
    expect((await runCheck(["compat", "before", "before", "--format", "json"], { cwd: repo.dir })).stdout).toBe('{\n  "violations": []\n}\n');
  });

  it("asks the fleet through the injected connection, and closes it", async () => {
    const repo = await repos.shop();
    const manifest = await shopManifest();
    manifest.types[0]!.writeTarget = 2;
    await repo.write(MANIFEST, renderManifest(manifest));
    const plane = await fleetReading({ "shop-1": 1 });
    const close = vi.spyOn(plane, "close");
    const connectFleet = vi.fn(async (_url: string): Promise<ControlPlane> => plane);
    const result = await runCheck(["--base", "HEAD", "--fleet", "nats://fleet:4222"], { cwd: repo.dir, connectFleet });
    expect(result.exitCode).toBe(1);
    expect(result.violations.map((violation) => violation.rule)).toEqual(["FLEET_NOT_READ_READY"]);
    expect(result.stderr).toBe("twostep check: 1 violation against HEAD and the fleet at nats://fleet:4222\n");
    expect(connectFleet).toHaveBeenCalledWith("nats://fleet:4222");
    expect(close).toHaveBeenCalledOnce();
  });
});
