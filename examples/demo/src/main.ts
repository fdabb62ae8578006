#!/usr/bin/env node
import { parseArgs } from "node:util";
import { runDemo } from "./run-demo.js";

const usage = `Usage: npm run demo [-- --nats URL] [--pace N]

Plays a complete two-phase rollout of orders.OrderPlaced v2 on twelve nodes
in three zones, driven by rollout plans and a rollout controller, on the
embedded in-memory control plane (or a NATS server with --nats).

  --nats URL   run on the NATS JetStream control plane at URL
  --pace N     multiply every pause and bake by N (default 1)
  -h, --help   show this help

Each run on NATS uses fresh buckets (prefix demo<time>), so runs never mix.

Exits 0 when the rollout completed and no message was lost or undecodable,
1 when not, 3 when the NATS server cannot be reached.`;

const { values } = parseArgs({
  options: { nats: { type: "string" }, pace: { type: "string" }, help: { type: "boolean", short: "h" } },
  strict: true,
});
if (values.help === true) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
const color = process.stdout.isTTY === true && process.env["NO_COLOR"] === undefined;
const nats = values.nats;
const controlPlane =
  nats === undefined
    ? undefined
    : // Loaded only with --nats, so that the in-memory demo never loads the NATS client.
      await (await import("@twostep/nats"))
        .connectNatsControlPlane({ servers: nats, bucketPrefix: `demo${Date.now().toString(36)}` })
        .catch((error: unknown) => {
          process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
          process.exit(3);
        });
try {
  const summary = await runDemo({
    color,
    ...(controlPlane === undefined ? {} : { controlPlane }),
    ...(values.pace === undefined ? {} : { pace: Number(values.pace) }),
  });
  process.exitCode = summary.ok ? 0 : 1;
} finally {
  await controlPlane?.close();
}
