import { join } from "node:path";
import { run } from "@twostep/cli";
import type { FleetNode } from "@twostep/fleet";
import { connectNatsControlPlane } from "@twostep/nats";
import { startNatsServer } from "@twostep/testkit/nats-server";
import { describe, expect, test, vi } from "vitest";
import { fleetReading, fleetThatWrote, LONG_BEAT_TTL_MS, startShopNodes, writeThenRetire } from "../../../check/test/support/fleet-reading.js";
import { lineOf, renderManifest, retireOrdersV1, shopManifest, tempRepos, type GitRepo } from "../../../check/test/support/git-repo.js";
import { TestFleet } from "../support/memory-fleet.js";
import { runInProcess, testContext, withMethod } from "../support/test-context.js";
import { buildCli, twostep } from "../support/twostep-binary.js";

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

/** `twostep check ...args` in process, in `cwd`, on a fleet nobody asks. */
function twostepCheck(args: readonly string[], cwd: string) {
  return runInProcess(["check", ...args], { plane: new TestFleet().plane, cwd });
}

/** `RULE file:line` of each violation printed as text. */
function printed(stdout: string): string[] {
  return [...stdout.matchAll(/^(\S+?):(\d+)(?::\d+)?: (\S+) /gm)].map(([, file, line, rule]) => `${rule} ${file}:${line}`);
}

describe("twostep check", () => {
  test("prints the usage with --help and exits 0", async () => {
    const result = await twostepCheck(["--help"], "/");
    expect(result).toMatchObject({ code: 0, stderr: "", connections: [] });
    expect(result.stdout).toMatch(/^Usage: twostep check \[options\] \[compat\] \[previous\] \[current\]\n/);
    for (const option of ["--base <ref>", "--manifest <path>", "--fleet <url>", "--format <format>"]) expect(result.stdout).toContain(option);
  });

  test("exits 0 on a clean change, printing a summary on stderr only", async () => {
    const repo = await repos.shop();
    const result = await twostepCheck(["--base", "HEAD"], repo.dir);
    expect(result).toMatchObject({ code: 0, stdout: "", stderr: "twostep check: no violations against HEAD\n" });
  });

  test("exits 1 on violations, printed as text blocks", async () => {
    const repo = await repos.shop();
    const text = await writerWithReader(repo);
    const line = lineOf(text, '"writeTarget": 3');
    const result = await twostepCheck(["--base", "HEAD", "--format", "text"], repo.dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(
      `${MANIFEST}:${line}:7: WRITER_WITH_READER orders.OrderPlaced writes v3 (writeTarget) in the change that adds the reader of v3: ` +
        `nodes still on the base build cannot read v3\n` +
        `  fix: Ship the reader first: set "writeTarget" back to 1 here, deploy this build to every node, then raise writeTarget to 3 ` +
        `in a later change (twostep plan orders.OrderPlaced 3 shows who does not read it yet).\n`,
    );
    expect(result.stderr).toBe("twostep check: 1 violation against HEAD\n");
  });

  test("prints JSON in a stable shape", async () => {
    const repo = await repos.shop();
    const text = await writerWithReader(repo);
    const result = await twostepCheck(["--base=HEAD", "--format=json"], repo.dir);
    expect(result.code).toBe(1);
    const json = JSON.parse(result.stdout) as { violations: Record<string, unknown>[] };
    expect(Object.keys(json)).toEqual(["violations"]);
    expect(json.violations).toHaveLength(1);
    expect(Object.keys(json.violations[0]!)).toEqual(["rule", "file", "line", "column", "type", "version", "message", "fix"]);
    expect(json.violations[0]).toMatchObject({
      rule: "WRITER_WITH_READER",
      file: MANIFEST,
      line: lineOf(text, '"writeTarget": 3'),
      type: "orders.OrderPlaced",
      version: 3,
    });
  });

  test("prints GitHub annotations with paths from the repository root, also when run in a subdirectory", async () => {
    const repo = await repos.shop("services/shop/schemas");
    const text = await writerWithReader(repo, "services/shop/schemas");
    const line = lineOf(text, '"writeTarget": 3');
    const result = await twostepCheck(["--base", "HEAD", "--format", "github"], join(repo.dir, "services", "shop"));
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      new RegExp(
        `^::error file=services/shop/schemas/twostep.json,line=${line},col=7,title=WRITER_WITH_READER::orders.OrderPlaced writes v3 .*%0AShip the reader first: .*\\n$`,
      ),
    );
  });

  test("reads the manifest --manifest names", async () => {
    const repo = await repos.shop("services/shop/schemas");
    const text = await writerWithReader(repo, "services/shop/schemas");
    const result = await twostepCheck(["--base", "HEAD", "--manifest", "services/shop/schemas/twostep.json"], repo.dir);
    expect(printed(result.stdout)).toEqual([`WRITER_WITH_READER services/shop/schemas/twostep.json:${lineOf(text, '"writeTarget": 3')}`]);
    expect((await twostepCheck(["--base", "HEAD"], repo.dir)).stderr).toMatch(/^twostep check: PROTO_READ: cannot read the schemas at schemas\/twostep.json/);
  });

  test.each([
    [[], "--base REF is required"],
    [["--base", "HEAD", "--format", "xml"], "argument 'xml' is invalid. Allowed choices are text, json, github"],
    [["--base", "HEAD", "--verbose"], "unknown option '--verbose'"],
    [["--base", "HEAD", "extra"], 'unexpected argument "extra"'],
    [["compat", "a"], "check compat needs two directories"],
    [["compat", "a", "b", "--base", "HEAD"], "check compat takes no --base"],
  ])("exits 2 on bad usage: %j", async (args, problem) => {
    const result = await twostepCheck(args, "/");
    expect(result).toMatchObject({ code: 2, stdout: "" });
    expect(result.stderr).toMatch(/^error: /);
    expect(result.stderr).toContain(problem);
  });

  test("exits 2 on input it cannot read, with the error in the chosen format", async () => {
    const repo = await repos.shop();
    const unknown = await twostepCheck(["--base", "origin/main"], repo.dir);
    expect(unknown).toMatchObject({ code: 2, stdout: "" });
    expect(unknown.stderr).toMatch(/^twostep check: UNKNOWN_REVISION: "origin\/main" names no commit .*fetch-depth: 0/);

    const manifest = await shopManifest();
    manifest.types[0]!.writeTarget = 9;
    const text = renderManifest(manifest);
    await repo.write(MANIFEST, text);
    const line = lineOf(text, '"writeTarget": 9');
    const json = await twostepCheck(["--base", "HEAD", "--format", "json"], repo.dir);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toEqual({
      error: { code: "INVALID_MANIFEST", file: MANIFEST, line, side: "current", message: expect.stringContaining("targets writing v9") },
    });
    const github = await twostepCheck(["--base", "HEAD", "--format", "github"], repo.dir);
    expect(github.code).toBe(2);
    expect(github.stdout).toMatch(new RegExp(`^::error file=${MANIFEST},line=${line},title=INVALID_MANIFEST::`));
  });

  test("exits 2 on a manifest nested 5,000 levels deep, naming the problem, instead of dying with a stack trace", async () => {
    const repo = await repos.shop();
    const deep = `${"[".repeat(5_000)}${"]".repeat(5_000)}`;
    await repo.write(MANIFEST, `{\n  "format": 1,\n  "types": ${deep}\n}\n`);
    const result = await twostepCheck(["--base", "HEAD", "--format", "json"], repo.dir);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual({
      error: { code: "INVALID_MANIFEST", file: MANIFEST, line: 3, side: "current", message: expect.stringContaining("nested deeper than 256 levels") },
    });
  });

  test("compares two directories with compat, printing paths relative to the working directory", async () => {
    const repo = await repos.create({
      "before/a.proto": 'syntax = "proto3";\nmessage A {\n  string name = 1;\n}\n',
      "after/a.proto": 'syntax = "proto3";\nmessage A {\n  int64 name = 1;\n}\n',
    });
    const result = await twostepCheck(["compat", "before", "after"], repo.dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^after\/a\.proto:3:3: FIELD_WIRE_COMPATIBLE_TYPE /);
    expect((await twostepCheck(["compat", "before", "before", "--format", "json"], repo.dir)).stdout).toBe('{\n  "violations": []\n}\n');
  });

  test("compat honours the current directory's buf modules and the breaks its twostep-check.yaml accepts; an invalid one exits 2", async () => {
    const order = (type: string) => `syntax = "proto3";\npackage shop;\nmessage Order {\n  ${type} id = 1;\n  ${type} note = 2;\n}\n`;
    const repo = await repos.create({
      "before/shop/order.proto": order("string"),
      "after/buf.yaml": "version: v2\nmodules:\n  - path: proto\n",
      "after/proto/shop/order.proto": order("int64"),
    });
    const json = await twostepCheck(["compat", "before", "after", "--format", "json"], repo.dir);
    expect(json.code).toBe(1);
    const { violations } = JSON.parse(json.stdout) as { violations: Record<string, unknown>[] };
    expect(violations.map((violation) => [violation["file"], violation["line"], violation["element"]])).toEqual([
      ["after/proto/shop/order.proto", 4, "shop.Order.id"],
      ["after/proto/shop/order.proto", 5, "shop.Order.note"],
    ]);
    expect(Object.keys(violations[0]!)).toEqual(["rule", "file", "line", "column", "element", "message", "fix"]);

    const accept = (elements: string) =>
      repo.write("after/twostep-check.yaml", `version: 1\nbreaking:\n  ignore_only:\n    FIELD_WIRE_COMPATIBLE_TYPE:\n${elements}`);
    await accept("      - path: proto/shop/order.proto\n        element: shop.Order.id\n");
    expect(printed((await twostepCheck(["compat", "before", "after"], repo.dir)).stdout)).toEqual([
      "FIELD_WIRE_COMPATIBLE_TYPE after/proto/shop/order.proto:5",
    ]);
    await accept("      - proto/shop\n");
    expect(await twostepCheck(["compat", "before", "after"], repo.dir)).toMatchObject({ code: 0, stdout: "" });

    await accept("      - path: proto/shop/order.proto\n        elemnt: shop.Order.id\n");
    const invalid = await twostepCheck(["compat", "before", "after", "--format", "json"], repo.dir);
    expect(invalid.code).toBe(2);
    expect(JSON.parse(invalid.stdout)).toEqual({
      error: {
        code: "INVALID_CHECK_CONFIG",
        file: "after/twostep-check.yaml",
        line: 6,
        side: "current",
        message: expect.stringContaining('unknown key "elemnt"'),
      },
    });
  });

  test("asks the fleet through the context's connection, read-only, and closes it", async () => {
    const repo = await repos.shop();
    const manifest = await shopManifest();
    manifest.types[0]!.writeTarget = 2;
    await repo.write(MANIFEST, renderManifest(manifest));
    const plane = await fleetReading({ "shop-1": 1 });
    const close = vi.fn(async () => {});
    const { context, result } = testContext({ plane, cwd: repo.dir });
    const connect = vi.fn(async (options: Parameters<typeof context.connect>[0]) => withMethod(await context.connect(options), "close", close));
    const outcome = result(await run(["check", "--base", "HEAD", "--fleet", "nats://fleet:4222"], { ...context, connect }));
    expect(outcome.code).toBe(1);
    expect(printed(outcome.stdout).map((violation) => violation.split(" ")[0])).toEqual(["FLEET_NOT_READ_READY"]);
    expect(outcome.stderr).toBe("twostep check: 1 violation against HEAD and the fleet at nats://fleet:4222\n");
    expect(outcome.connections).toEqual([{ servers: ["nats://fleet:4222"], create: false }]);
    expect(close).toHaveBeenCalledOnce();
  });
});

describe("twostep check --fleet: retirements", () => {
  test("refuses marking a version retired while the live fleet still requires it, and passes once the fleet retired it", async () => {
    const repo = await repos.shop();
    const line = lineOf(await retireOrdersV1(repo), '"retired": [1]');
    const args = ["check", "--base", "HEAD", "--fleet", "nats://fleet:4222"];
    const requiring = await runInProcess(args, { plane: await fleetThatWrote({ "shop-1": 2 }, { written: [1, 2] }), cwd: repo.dir });
    expect(requiring.code).toBe(1);
    expect(printed(requiring.stdout)).toEqual([`FLEET_NOT_RETIRED ${MANIFEST}:${line}`]);
    expect(requiring.connections).toEqual([{ servers: ["nats://fleet:4222"], create: false }]);
    const retired = await runInProcess(args, { plane: await fleetThatWrote({ "shop-1": 2 }, { written: [1, 2], retired: [1] }), cwd: repo.dir });
    expect(retired).toMatchObject({ code: 0, stdout: "" });
  });

  test("asks a real NATS control plane (check --fleet nats://...): refused until twostep retire ran, then passes", async () => {
    const [server] = await Promise.all([startNatsServer(), buildCli()]);
    const plane = await connectNatsControlPlane({ servers: server.url, beatTtlMs: LONG_BEAT_TTL_MS });
    const nodes: FleetNode[] = [];
    try {
      const repo = await repos.shop();
      const line = lineOf(await retireOrdersV1(repo), '"retired": [1]');
      nodes.push(...(await startShopNodes(plane, { "shop-1": 2, "shop-2": 2 })));
      await writeThenRetire(plane, nodes, { written: [1, 2] });
      const args = ["check", "--base", "HEAD", "--fleet", server.url];
      const refused = await twostep(args, { cwd: repo.dir });
      expect(refused.stderr).toBe(`twostep check: 1 violation against HEAD and the fleet at ${server.url}\n`);
      expect(refused.code).toBe(1);
      expect(printed(refused.stdout)).toEqual([`FLEET_NOT_RETIRED ${MANIFEST}:${line}`]);
      expect(refused.stdout).toContain("the live fleet has not retired v1 (it was written, and twostep retire has not retired it)");
      await writeThenRetire(plane, nodes, { written: [], retired: [1] });
      expect(await twostep(args, { cwd: repo.dir })).toEqual({
        code: 0,
        stdout: "",
        stderr: `twostep check: no violations against HEAD and the fleet at ${server.url}\n`,
      });
    } finally {
      await Promise.all(nodes.map((node) => node.stop()));
      await plane.close();
      await server.stop();
    }
  });
});
