// A node process for the scrape test: one node on an in-memory control plane
// of its own, with its metrics served on 127.0.0.1 at a port the OS picks.
// It writes and reads FRAMES frames of v1 and reads one frame that is no
// envelope, prints {"address": "127.0.0.1:PORT"} on one line, and serves
// until SIGTERM or until its standard input closes (the test process died).
//
//   node metrics-node.mjs NODE_ID FRAMES
//
// Plain JavaScript on the built packages (dist), so that it runs on Node 20
// without a TypeScript loader: the test builds them first.
import { defineMessageType, defineProtocol, zodCodec } from "@twostep/core";
import { Coordinator, MemoryControlPlane, startNode } from "@twostep/fleet";
import { nodeMetrics, serveMetrics } from "@twostep/prometheus";
import { Registry } from "prom-client";
import { z } from "zod";

const [nodeId = "n1", count = "1"] = process.argv.slice(2);
const TYPE = "orders.OrderPlaced";
const who = { actor: "metrics-node", reason: "scrape test" };

const order = z.strictObject({ id: z.string() });
const protocol = defineProtocol({ types: [defineMessageType({ name: TYPE, id: 1, versions: [{ version: 1, codec: zodCodec(order) }] })] });
const plane = new MemoryControlPlane();
const metrics = nodeMetrics(new Registry());
const node = await startNode({ controlPlane: plane, protocol, nodeId, service: "orders", build: "scrape-test", observer: metrics });
metrics.observe(node);
// Write v1 once this node, the fleet's only member, reads it, and wait until the node follows.
await new Coordinator(plane).enableWrite(TYPE, 1, who);
while (node.appliedRevision(TYPE) === 0) await new Promise((resolve) => setImmediate(resolve));
for (let index = 0; index < Number(count); index++) node.decode(node.encode(TYPE, { id: `${nodeId}-${index}` }, { key: String(index) }));
node.decode(Uint8Array.of(0xff, 0x00));

const server = await serveMetrics({ registry: metrics.registry, port: 0 });
process.stdout.write(`${JSON.stringify({ address: server.address })}\n`);

let stopping = false;
async function shutdown() {
  if (stopping) return;
  stopping = true;
  await server.close();
  await node.stop();
  process.exit(0);
}
process.once("SIGTERM", shutdown);
process.stdin.once("end", shutdown);
process.stdin.resume();
