#!/usr/bin/env node
import { parseArgs } from "node:util";
import { runDemo } from "./run-demo.js";

const usage = `Usage: npm run demo [-- --nats URL] [--pace N]

Plays a complete two-phase rollout of orders.OrderPlaced v2 on twelve nodes,
on the embedded in-memory control plane (or a NATS server with --nats).

  --nats URL   run on the NATS JetStream control plane at URL
  --pace N     multiply every pause by N (default 1)
  -h, --help   show this help

Exits 0 when the rollout completed and no message was lost or undecodable.`;

const { values } = parseArgs({
  options: { nats: { type: "string" }, pace: { type: "string" }, help: { type: "boolean", short: "h" } },
  strict: true,
});
if (values.help === true) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
const color = process.stdout.isTTY === true && process.env["NO_COLOR"] === undefined;
const summary = await runDemo({ color, ...(values.pace === undefined ? {} : { pace: Number(values.pace) }) });
process.exit(summary.ok ? 0 : 1);
