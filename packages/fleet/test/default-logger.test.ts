import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { expect, test } from "vitest";

const exec = promisify(execFile);

/** A process that starts two nodes with no logger of their own at level info, one after the other; it prints one line of its own. */
const program = `
import { defineMessageType, defineProtocol, zodCodec } from "@twostep/core";
import { MemoryControlPlane, startNode } from "@twostep/fleet";
import { z } from "zod";
const type = defineMessageType({ name: "orders.OrderPlaced", id: 1, versions: [{ version: 1, codec: zodCodec(z.object({ id: z.string() })) }] });
const controlPlane = new MemoryControlPlane();
const protocol = defineProtocol({ types: [type] });
for (const nodeId of ["n1", "n2"]) {
  const node = await startNode({ controlPlane, protocol, nodeId, service: "orders", build: "b1" });
  await node.stop();
}
console.log("the application's own output");
`;

test("nodes' default logger writes to stderr, leaving the application's stdout to the application", async () => {
  const { stdout, stderr } = await exec(process.execPath, ["--input-type=module", "-e", program], {
    cwd: new URL("../", import.meta.url).pathname,
    env: { ...process.env, TWOSTEP_LOG_LEVEL: "info" },
  });
  expect(stdout).toBe("the application's own output\n");
  const lines = stderr.trim().split("\n");
  expect(lines.length).toBeGreaterThan(0);
  // Both log through the one default logger, each under its own id.
  const nodeIds = lines.map((line) => (JSON.parse(line) as { name: string; nodeId: string }).nodeId);
  for (const line of lines) expect(JSON.parse(line)).toMatchObject({ name: "twostep" });
  expect(new Set(nodeIds)).toEqual(new Set(["n1", "n2"]));
});
