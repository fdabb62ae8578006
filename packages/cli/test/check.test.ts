import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { buildCli, twostep } from "./support/twostep-binary.js";

const root = mkdtempSync(join(tmpdir(), "twostep-cli-check-"));

function tree(name: string, amountType: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "order.proto"), `syntax = "proto3";\npackage shop;\n\nmessage Order {\n  string id = 1;\n  ${amountType} amount = 2;\n}\n`);
  return dir;
}

beforeAll(buildCli, 60_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

test("twostep check compat reports buf's WIRE rule with file and line, and exits 1", async () => {
  const previous = tree("previous", "int64");
  const current = tree("current", "string");
  const run = await twostep(["check", "compat", previous, current, "--format", "json"]);
  expect(run.code).toBe(1);
  const { violations } = JSON.parse(run.stdout) as { violations: { rule: string; file: string; line: number }[] };
  expect(violations).toEqual([expect.objectContaining({ rule: "FIELD_WIRE_COMPATIBLE_TYPE", file: expect.stringMatching(/current\/order\.proto$/), line: 6 })]);
});

test("twostep check compat exits 0 on a compatible change and 2 on bad usage", async () => {
  const previous = tree("same-a", "int64");
  const current = tree("same-b", "uint64");
  expect((await twostep(["check", "compat", previous, current])).code).toBe(0);
  const usage = await twostep(["check", "--format", "xml"]);
  expect(usage.code).toBe(2);
  expect(usage.stderr).toMatch(/format/);
});
