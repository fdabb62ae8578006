#!/usr/bin/env node
import { parseArgs } from "node:util";
import { startNatsServer, type NatsServer } from "@twostep/testkit/nats-server";
import { killChildren } from "./child-process.js";
import { runRollout } from "./run-rollout.js";

const usage = `Usage: npm run rollout -w @twostep/example-orders [-- --nats URL]

Walks through a real rollout of orders.OrderPlaced v2 with the twostep CLI:
two consumers and a producer as separate processes exchanging orders over
NATS; consumers upgraded to a build that reads v2, the writer enabled at 10%,
then for all, then rolled back. Prints each step and each command first.

  --nats URL   the NATS server to run on (JetStream on); without it, a
               nats-server is started for the run and stopped after it
  -h, --help   show this help

Each run uses its own bucket prefix (orders-<time>), so runs never mix.
Exits 0 when every step went as expected, no order was lost and none was a
dead letter; 1 when not; 2 for bad arguments; 3 when no nats-server could be started.`;

let values: { nats?: string; help?: boolean };
try {
  ({ values } = parseArgs({ options: { nats: { type: "string" }, help: { type: "boolean", short: "h" } }, strict: true }));
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${usage}\n`);
  process.exit(2);
}
if (values.help === true) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}

let server: NatsServer | undefined;
const interrupt = () => {
  killChildren();
  void (server?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
};
process.once("SIGINT", interrupt);
process.once("SIGTERM", interrupt);

let natsUrl = values.nats;
if (natsUrl === undefined) {
  try {
    server = await startNatsServer();
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(3);
  }
  natsUrl = server.url;
  process.stdout.write(`Started a nats-server with JetStream for this run at ${natsUrl}\n`);
}
try {
  const summary = await runRollout({ natsUrl });
  process.exitCode = summary.ok ? 0 : 1;
} finally {
  await server?.stop();
}
process.exit();
