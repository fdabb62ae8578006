import { parseArgs } from "node:util";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { isTwostepError } from "@twostep/core";
import { FleetErrorCode, startNode, type FleetNode } from "@twostep/fleet";
import { connectNatsControlPlane } from "@twostep/nats";
import { pino, type Logger } from "pino";
import { BUILD_NAMES, isBuildName, ORDER_PLACED, orderBuild, type OrderBuild } from "./order-builds.js";

/** What a running service is given. */
export interface ServiceContext {
  /** This process in the fleet: encode and decode through it. */
  readonly node: FleetNode;
  /** The app's own NATS connection, for its messages (the control plane has its own). */
  readonly connection: NatsConnection;
  readonly build: OrderBuild;
  readonly logger: Logger;
  /** Frames that went to the dead-letter hook so far. */
  deadLetters(): number;
}

/** The work of a running service. */
export interface Worker {
  /** The counters printed every second, such as `{ decoded: { "1": 10 } }`. */
  stats(): Record<string, unknown>;
  /** Stops the work and lets what is in flight finish. */
  stop(): Promise<void>;
}

/** A service of the example: the producer or the consumer. */
export interface Service {
  /** Service name, as its nodes advertise it. */
  readonly name: string;
  /** The file name of its entry point, in `dist/`. */
  readonly script: string;
  /** What it does, for `--help`. */
  readonly summary: string;
  /** Starts the work, once the node has joined the fleet. */
  start(context: ServiceContext): Worker | Promise<Worker>;
}

/** Exit codes of a service process. */
export const ServiceExit = { Ok: 0, Refused: 1, Usage: 2, Unreachable: 3 } as const;

const STATS_INTERVAL_MS = 1_000;

/**
 * Runs `service` as one node of the fleet until SIGTERM or SIGINT: joins with
 * `startNode` on the NATS control plane, starts the work, prints one JSON
 * line of stats on stdout when joined, every second, and once more after a
 * clean leave (`event`: `joined`, `stats`, `stopped`). Logs go to stderr.
 * Resolves with the exit code: 1 when the join guard refuses this build, 2
 * for bad arguments, 3 when NATS cannot be reached.
 */
export async function runService(service: Service, args: readonly string[]): Promise<number> {
  let options: ReturnType<typeof parseServiceArgs>;
  try {
    options = parseServiceArgs(args);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${usage(service)}\n`);
    return ServiceExit.Usage;
  }
  if (options === "help") {
    process.stdout.write(`${usage(service)}\n`);
    return ServiceExit.Ok;
  }
  const { nats, id, build, prefix } = options;
  const logger = pino({ name: service.name, level: process.env["TWOSTEP_LOG_LEVEL"] ?? "info" }, pino.destination({ dest: 2, sync: true }));
  const print = (event: string, worker: Worker) => process.stdout.write(`${JSON.stringify({ node: id, build: build.id, ...worker.stats(), event })}\n`);

  // Listen from the start: a signal while joining still ends in a clean leave, once joined.
  const stopRequested = new Promise<void>((resolve) => {
    process.once("SIGTERM", resolve);
    process.once("SIGINT", resolve);
  });
  let deadLetters = 0;
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const closer of closers.splice(0).reverse()) await closer().catch((error: unknown) => logger.error({ err: error }, "close failed"));
  };
  let worker: Worker;
  try {
    // Without credentials, as in this example, a node may create the buckets; one with restricted credentials passes `create: false`.
    const plane = await connectNatsControlPlane({ servers: nats, bucketPrefix: prefix, name: `${id} control plane`, logger });
    closers.push(() => plane.close());
    const node = await startNode({
      controlPlane: plane,
      protocol: build.protocol,
      nodeId: id,
      service: service.name,
      build: build.id,
      // These services handle orders only: other types of the shop protocol neither wait for them nor are blocked by them.
      uses: [ORDER_PLACED],
      logger,
      onDeadLetter: (letter) => {
        deadLetters++;
        logger.warn({ code: letter.error.code, bytes: letter.frame.length }, `dead letter: ${letter.error.message}`);
      },
    });
    closers.push(() => node.stop());
    const connection = await connect({ servers: nats, name: id }).catch((error: unknown) => {
      throw new AppUnreachableError(`cannot connect to NATS at ${nats} for the orders: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    });
    closers.push(() => connection.close());
    worker = await service.start({ node, connection, build, logger, deadLetters: () => deadLetters });
    closers.push(() => worker.stop());
  } catch (error) {
    await close();
    process.stderr.write(`${id}: ${error instanceof Error ? error.message : String(error)}\n`);
    if (isTwostepError(error, FleetErrorCode.JoinRefused)) return ServiceExit.Refused;
    if (isTwostepError(error, FleetErrorCode.InvalidRequest)) return ServiceExit.Usage;
    // The control plane unreachable, misconfigured or refusing the credentials, or the app's own connection failing.
    if (isTwostepError(error) || error instanceof AppUnreachableError) return ServiceExit.Unreachable;
    throw error;
  }

  print("joined", worker);
  const timer = setInterval(() => print("stats", worker), STATS_INTERVAL_MS);
  await stopRequested;
  clearInterval(timer);
  // In reverse order of starting: the work (in-flight messages handled), the app's connection, the node (a clean leave), the control plane.
  await close();
  print("stopped", worker);
  return ServiceExit.Ok;
}

function usage(service: Service): string {
  return `Usage: node examples/orders/dist/${service.script} --nats URL --id NODE [--build previous|current] [--prefix NAME]

${service.summary}

  --nats URL      the NATS server (default $TWOSTEP_NATS_URL, else nats://127.0.0.1:4222)
  --id NODE       the node id of this process in the fleet
  --build NAME    previous (reads and writes orders.OrderPlaced v1 only) or current (v1 and v2); default current
  --prefix NAME   the control plane's bucket prefix (default $TWOSTEP_NATS_PREFIX, else twostep)
  -h, --help      show this help

Exits 0 after a clean stop, 1 when the fleet refuses this build (join guard),
2 for bad arguments, 3 when NATS cannot be used.`;
}

class AppUnreachableError extends Error {}

function parseServiceArgs(args: readonly string[]): { nats: string; id: string; build: OrderBuild; prefix: string } | "help" {
  const { values } = parseArgs({
    args: [...args],
    options: {
      nats: { type: "string", default: process.env["TWOSTEP_NATS_URL"] ?? "nats://127.0.0.1:4222" },
      id: { type: "string" },
      build: { type: "string", default: "current" },
      prefix: { type: "string", default: process.env["TWOSTEP_NATS_PREFIX"] ?? "twostep" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help === true) return "help";
  if (values.id === undefined || values.id === "") throw new Error("--id is required: the node id of this process in the fleet");
  if (!isBuildName(values.build)) throw new Error(`--build must be one of ${BUILD_NAMES.join(", ")}, not ${JSON.stringify(values.build)}`);
  return { nats: values.nats, id: values.id, build: orderBuild(values.build), prefix: values.prefix };
}
