import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ExitCode } from "@twostep/cli";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { MemoryControlPlane } from "@twostep/fleet";
import { runInProcess } from "../support/test-context.js";
import { buildCli, twostep } from "../support/twostep-binary.js";

const repo = fileURLToPath(new URL("../../../..", import.meta.url));
const shopManifest = join(repo, "schemas/twostep.json");
const shopZod = `customers.CustomerUpdated=${join(repo, "examples/shop/src/customer-updated.ts")}`;
const plane = () => new MemoryControlPlane();
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "twostep-generate-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every workspace's `generate` script, one `twostep generate` command at a time, with the directory it runs in. */
function generateScripts(): { workspace: string; args: string[] }[] {
  const workspaces = ["packages", "examples"].flatMap((parent) => readdirSync(join(repo, parent)).map((name) => join(repo, parent, name)));
  return workspaces.flatMap((workspace) => {
    let script: string | undefined;
    try {
      script = (JSON.parse(readFileSync(join(workspace, "package.json"), "utf8")) as { scripts?: Record<string, string> }).scripts?.["generate"];
    } catch {
      return [];
    }
    return (script ?? "").split(" && ").flatMap((command) => {
      const [program, verb, ...args] = command.trim().split(/\s+/);
      return program === "twostep" && verb === "generate" ? [{ workspace, args }] : [];
    });
  });
}

describe("the generated files in the repository", () => {
  beforeAll(async () => {
    await buildCli();
  }, 60_000);

  test("are what each workspace's generate script writes today (regenerate with npm run generate)", async () => {
    const scripts = generateScripts();
    expect(scripts.map(({ workspace }) => workspace.slice(repo.length))).toEqual(expect.arrayContaining(["packages/core", "examples/shop"]));
    for (const { workspace, args } of scripts) {
      const run = await twostep(["generate", ...args, "--check"], { cwd: workspace });
      expect(`${run.stdout}${run.stderr}`, `twostep generate ${args.join(" ")} in ${workspace}`).toMatch(/is current/);
      expect(run.code).toBe(ExitCode.Ok);
    }
  });
});

describe("twostep generate", () => {
  test("writes the types, then finds them current; --json says what it wrote", async () => {
    const out = join(dir, "written", "shop-protocol.ts");
    const first = await runInProcess(["generate", shopManifest, "--out", out, "--zod", shopZod, "--json"], { plane: plane() });
    expect(first.code).toBe(ExitCode.Ok);
    expect(JSON.parse(first.stdout)).toMatchObject({
      file: out,
      typeName: "ShopProtocol",
      changed: true,
      types: [
        { name: "orders.OrderPlaced", versions: [{ version: 1, value: "OrderPlacedV1", input: "OrderPlacedV1Input" }, { version: 2 }] },
        { name: "customers.CustomerUpdated", versions: [{ version: 1, value: "CustomerUpdatedV1" }, { version: 2 }] },
      ],
    });
    const text = readFileSync(out, "utf8");
    expect(text).toContain('import type { CustomerUpdatedV1 as CustomerUpdatedV1Schema, CustomerUpdatedV2 as CustomerUpdatedV2Schema } from "');
    expect(text).toContain("amountCents: Long;");
    const again = await runInProcess(["generate", shopManifest, "--out", out, "--zod", shopZod, "--check"], { plane: plane() });
    expect(again).toMatchObject({ code: ExitCode.Ok, stdout: `${out} is current (ShopProtocol)\n` });
  });

  test("--check refuses a stale or missing file with the command that regenerates it, and writes nothing", async () => {
    const out = join(dir, "stale.ts");
    writeFileSync(out, "// old\n");
    const stale = await runInProcess(["generate", shopManifest, "--out", out, "--zod", shopZod, "--check"], { plane: plane() });
    expect(stale.code).toBe(ExitCode.Refused);
    expect(stale.stderr).toContain(`stale: ${out} is not what the manifest, its .proto files and zod schemas give; regenerate it: twostep generate`);
    expect(readFileSync(out, "utf8")).toBe("// old\n");
    const missing = await runInProcess(["generate", shopManifest, "--out", join(dir, "none.ts"), "--zod", shopZod, "--check"], { plane: plane() });
    expect(missing).toMatchObject({ code: ExitCode.Refused, stderr: expect.stringContaining("does not exist") });
  });

  test.each([
    ["no --out", ["generate", shopManifest], "--out FILE"],
    [
      "a json type without --zod",
      ["generate", shopManifest, "--out", "x.ts"],
      "customers.CustomerUpdated is a json type: say which module exports its zod schemas (twostep generate --zod customers.CustomerUpdated=MODULE)",
    ],
    ["a malformed --zod", ["generate", shopManifest, "--out", "x.ts", "--zod", "nope"], "give TYPE=MODULE or TYPE=MODULE#EXPORT"],
    [
      "--zod for a type that is not json",
      ["generate", shopManifest, "--out", "x.ts", "--zod", shopZod, "--zod", "orders.OrderPlaced=x.ts"],
      "--zod names orders.OrderPlaced, which is not a json type",
    ],
    ["a missing manifest", ["generate", join(tmpdir(), "twostep-no-such-dir", "twostep.json"), "--out", "x.ts"], "cannot read the manifest"],
  ])("%s is a usage error (exit 2) that says what to do", async (_, argv, message) => {
    const run = await runInProcess(argv, { plane: plane() });
    expect(run.code).toBe(ExitCode.Usage);
    expect(run.stderr).toContain(message);
    expect(run.connections).toEqual([]);
  });

  test("takes no connection options: it reads files only", async () => {
    const help = await runInProcess(["generate", "--help"], { plane: plane() });
    expect(help.code).toBe(ExitCode.Ok);
    expect(help.stdout).toContain("Usage: twostep generate [options] [manifest]");
    expect(help.stdout).not.toContain("--nats");
  });
});
