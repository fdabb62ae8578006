import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defaultActor } from "@twostep/cli";
import { startNatsServer, type NatsServer } from "@twostep/testkit/nats-server";
import { afterAll, beforeAll, expect, test } from "vitest";

const rolloutScript = fileURLToPath(new URL("../dist/rollout.js", import.meta.url));

let server: NatsServer;

beforeAll(async () => {
  server = await startNatsServer();
});

afterAll(async () => {
  await server.stop();
});

/** What the rollout printed for `$ twostep COMMAND…`: the command, its output and what the rollout showed after it. */
function section(output: string, command: string): string {
  const start = output.indexOf(`$ twostep ${command}`);
  expect(start, `the output shows \`twostep ${command}\``).toBeGreaterThanOrEqual(0);
  const end = output.indexOf("$ ", start + 2);
  return output.slice(start, end === -1 ? undefined : end);
}

/** The orders each consumer decoded in the traffic shown after `command`: `[v1, v2]` per consumer. */
function decodedAfter(output: string, command: string): [number, number][] {
  const counts = [...section(output, command).matchAll(/c\d decoded\s+v1\s+(\d+), v2\s+(\d+)/g)].map((match): [number, number] => [
    Number(match[1]),
    Number(match[2]),
  ]);
  expect(counts).toHaveLength(2);
  return counts;
}

test("the rollout script walks through read first, canary, all in and rollback, over NATS with the CLI", async () => {
  expect(existsSync(rolloutScript), `${rolloutScript} is missing: build first with npx tsc -b`).toBe(true);
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [rolloutScript, "--nats", server.url], { timeout: 58_000, killSignal: "SIGTERM" }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : null, stdout, stderr });
    });
  });
  expect(code, `the rollout failed; its output:\n${stdout}\n${stderr}`).toBe(0);

  // Step 2: the plan of v2 is refused, naming both consumers of the old build.
  const plan = section(stdout, "plan orders.OrderPlaced 2");
  expect(plan).toContain("blocked by 2 members");
  expect(plan).toContain("2 × no reader of v2 in build shop@1.4.0 (service order-consumer): c1, c2");
  expect(stdout).not.toContain("✗");
  // Step 3: after the upgrade, every member reads v2.
  expect(section(stdout, "status orders.OrderPlaced")).toMatch(/readers\s+v1 3\/3\s+v2 3\/3/);

  // Step 4: v2 appears with the canary, and carries the orders once enabled for all.
  const canary = decodedAfter(stdout, "enable-write orders.OrderPlaced 2 --percent 10");
  expect(canary.reduce((sum, [, v2]) => sum + v2, 0)).toBeGreaterThan(0);
  expect(canary.reduce((sum, [v1]) => sum + v1, 0)).toBeGreaterThan(canary.reduce((sum, [, v2]) => sum + v2, 0));
  for (const [v1, v2] of decodedAfter(stdout, 'enable-write orders.OrderPlaced 2 --reason "all in"')) expect(v2).toBeGreaterThan(v1 * 9);
  // Step 5: v1 again after the rollback.
  for (const [v1, v2] of decodedAfter(stdout, "disable-write orders.OrderPlaced --to 1")) expect(v1).toBeGreaterThan(v2 * 9);

  // The history: each change with its actor and reason.
  // Who the CLI records when no --actor is given, found the same way here (same environment and directory).
  const actor = defaultActor().replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  for (const [action, request, reason] of [
    ["adopt", "adopt v1", "adopt twostep"],
    ["enable-write", "enable v2 at 10% by key", "canary"],
    ["enable-write", "enable v2", "all in"],
    ["disable-write", "disable-write to v1", "rollback drill"],
  ]) {
    expect(stdout).toMatch(new RegExp(`\\s${actor}\\s+${action}\\s+orders\\.OrderPlaced\\s+${request}\\s+rev \\d+→\\d+\\s+"${reason}"`));
  }

  expect(stdout).toMatch(/dead letters 0, lost 0\n/);
  expect(stdout).toContain("✓ rollout complete");
}, 60_000);
