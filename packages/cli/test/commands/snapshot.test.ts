import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { MemoryControlPlane } from "@twostep/fleet";
import { runInProcess } from "../support/test-context.js";

const ROOT = join(import.meta.dirname, "..", "..", "..", "..");
// The example's built module: `twostep snapshot` imports JavaScript, as it would in a user's CI after the build.
const SHOP = join(ROOT, "examples", "shop", "dist", "index.js");
const V1 = "schemas/shop/customers/v1/customer_updated.schema.json";
const V2 = "schemas/shop/customers/v2/customer_updated.schema.json";

function twostepSnapshot(args: readonly string[], cwd: string) {
  return runInProcess(["snapshot", ...args], { plane: new MemoryControlPlane(), cwd });
}

describe("twostep snapshot", () => {
  let scratch: string;

  beforeEach(async () => {
    scratch = await mkdtemp(join(tmpdir(), "twostep-snapshot-"));
    await cp(join(ROOT, "schemas"), join(scratch, "schemas"), { recursive: true });
    // A bindings module of the user's own, exporting them as `bindings`.
    await writeFile(join(scratch, "protocol.mjs"), `export { shopBindings as bindings } from ${JSON.stringify(pathToFileURL(SHOP).href)};\n`);
  });

  afterEach(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  test("--check passes on this repository's own snapshots (so CI fails when a zod schema changes without them)", async () => {
    const result = await twostepSnapshot(["--check", "--bindings", "examples/shop/dist/index.js", "--export", "shopBindings"], ROOT);
    expect(result).toMatchObject({ code: 0, stderr: "twostep snapshot: 2 up to date\n" });
    expect(result.stdout).toBe(`unchanged ${V1} (customers.CustomerUpdated v1)\nunchanged ${V2} (customers.CustomerUpdated v2)\n`);
  });

  test("--check exits 1 on a stale snapshot and writes nothing; --write regenerates it", async () => {
    const committed = await readFile(join(scratch, V1), "utf8");
    await writeFile(join(scratch, V1), committed.replace('"email"', '"mail"'));
    await rm(join(scratch, V2));

    const stale = await twostepSnapshot(["--check", "--bindings", "protocol.mjs", "--json"], scratch);
    expect(stale.code).toBe(1);
    expect(JSON.parse(stale.stdout)).toEqual({
      snapshots: [
        { type: "customers.CustomerUpdated", version: 1, file: V1, status: "stale" },
        { type: "customers.CustomerUpdated", version: 2, file: V2, status: "stale" },
      ],
    });
    expect(stale.stderr).toBe(
      "twostep snapshot: 2 of 2 snapshots are stale; regenerate them with twostep snapshot --write --bindings protocol.mjs and commit them\n",
    );
    await expect(readFile(join(scratch, V2))).rejects.toMatchObject({ code: "ENOENT" });

    const written = await twostepSnapshot(["--write", "--bindings", "protocol.mjs", "--manifest", "schemas/twostep.json"], scratch);
    expect(written).toMatchObject({ code: 0, stderr: "twostep snapshot: 2 written, 0 unchanged\n" });
    expect(written.stdout).toBe(`written   ${V1} (customers.CustomerUpdated v1)\nwritten   ${V2} (customers.CustomerUpdated v2)\n`);
    expect(await readFile(join(scratch, V1), "utf8")).toBe(committed);
    expect((await twostepSnapshot(["--check", "--bindings", "protocol.mjs"], scratch)).code).toBe(0);
  });

  test.each([
    [[], "give one of --write"],
    [["--write", "--check", "--bindings", "protocol.mjs"], "give one of --write"],
    [["--check"], "--bindings MODULE is required"],
    [["--check", "--bindings", "missing.mjs"], "cannot import the bindings module"],
    [["--check", "--bindings", "protocol.mjs", "--export", "nope"], 'has no export "nope"'],
  ])("refuses bad usage %j with exit 2", async (args, message) => {
    const result = await twostepSnapshot(args, scratch);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  test("prints its usage with --help", async () => {
    const result = await twostepSnapshot(["--help"], scratch);
    expect(result.code).toBe(0);
    for (const option of ["--write", "--check", "--bindings <module>", "--export <name>", "--manifest <path>", "--json"])
      expect(result.stdout).toContain(option);
  });
});
