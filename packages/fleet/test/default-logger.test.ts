import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { expect, test } from "vitest";

const exec = promisify(execFile);

/** A process that starts a node with no logger of its own at level info, then stops it; it prints one line of its own. */
const program = `
import { defineMessageType, defineProtocol, zodCodec } from "@twostep/core";
import { MemoryControlPlane, startNode } from "@twostep/fleet";
import { z } from "zod";
const type = defineMessageType({ name: "orders.OrderPlaced", id: 1, versions: [{ version: 1, codec: zodCodec(z.object({ id: z.string() })) }] });
const node = await startNode({ controlPlane: new MemoryControlPlane(), protocol: defineProtocol({ types: [type] }), nodeId: "n1", service: "orders", build: "b1" });
await node.stop();
console.log("the application's own output");
`;

test("a node's default logger writes to stderr, leaving the application's stdout to the application", async () => {
  const { stdout, stderr } = await exec(process.execPath, ["--input-type=module", "-e", program], {
    cwd: new URL("../", import.meta.url).pathname,
    env: { ...process.env, TWOSTEP_LOG_LEVEL: "info" },
  });
  expect(stdout).toBe("the application's own output\n");
  const lines = stderr.trim().split("\n");
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) expect(JSON.parse(line)).toMatchObject({ name: "twostep", nodeId: "n1" });
});
