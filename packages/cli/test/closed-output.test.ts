import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { beforeAll, expect, test } from "vitest";
import { buildCli } from "./support/twostep-binary.js";

const bin = fileURLToPath(new URL("../dist/bin.js", import.meta.url));

beforeAll(async () => {
  await buildCli();
}, 60_000);

/** Runs the binary with stdout a pipe whose reader is already gone, as `twostep ... | head -n 3` leaves it. */
function runIntoClosedPipe(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stderr }));
  });
}

test.each([
  ["status --help", ["status", "--help"]],
  ["--help", ["--help"]],
  ["generate --help", ["generate", "--help"]],
])("regression: `twostep %s | head -n 3` ends quietly, without an EPIPE stack trace", async (_, args) => {
  const run = await runIntoClosedPipe(args);
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
});
