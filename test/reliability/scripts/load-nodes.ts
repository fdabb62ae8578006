/**
 * A child process of `npm run load`: runs `count` real fleet nodes, each on
 * its own NATS connection, heartbeating; reports progress to the parent
 * every 100 ms and stops them all cleanly on `end`. Argument: the JSON of a
 * {@link NodesConfig}.
 */
import type { ControlPlane, FleetNode } from "@twostep/fleet";
import { startNode } from "@twostep/fleet";
import type { BeatKey } from "@twostep/fleet/control-plane";
import { connectNatsControlPlane, type NatsControlPlane } from "@twostep/nats";
import { forEachLimited } from "../support/for-each-limited.js";
import { LOAD_FLAG, type LoadCommand, type LoadReport } from "../support/load-messages.js";
import { shipmentProtocol } from "../support/shipment-protocol.js";

/** What the parent hands a nodes process. */
export interface NodesConfig {
  readonly url: string;
  readonly prefix: string;
  /** Node ids are `shop-<batch>-<n>`. */
  readonly batch: number;
  readonly count: number;
  /** The build reads and writes shipments v1..v`newest`. */
  readonly newest: 1 | 2 | 3;
  readonly heartbeatMs: number;
  /** Nodes started at once. */
  readonly concurrency: number;
}

const config = JSON.parse(process.argv[2] ?? "{}") as NodesConfig;
const send = (report: LoadReport): void => void process.send?.(report);
const planes: NatsControlPlane[] = [];
const nodes: FleetNode[] = [];
let heartbeats = 0;
let failedHeartbeats = 0;

/** The plane with its heartbeats counted (a leaving node's tombstone is no heartbeat), seen from the node. */
function counted(plane: NatsControlPlane): ControlPlane {
  return new Proxy(plane, {
    get(target, property) {
      if (property === "beat") {
        return async (key: BeatKey, value: Uint8Array, options: { readonly expect: number; readonly tombstone?: boolean }) => {
          if (options.tombstone === true) return target.beat(key, value, options);
          try {
            const revision = await target.beat(key, value, options);
            heartbeats++;
            return revision;
          } catch (error) {
            failedHeartbeats++;
            throw error;
          }
        };
      }
      // The plane's methods use its private fields: call them on the plane itself, not on the proxy.
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

async function startOne(index: number): Promise<void> {
  const plane = await connectNatsControlPlane({ servers: config.url, bucketPrefix: config.prefix, create: false, name: `load-${config.batch}-${index}` });
  planes.push(plane);
  const node = await startNode({
    controlPlane: counted(plane),
    protocol: shipmentProtocol(config.newest),
    features: { [LOAD_FLAG]: { reads: { min: 0, max: 1_000_000 }, writes: { min: 0, max: 1_000_000 } } },
    nodeId: `shop-${config.batch}-${String(index).padStart(4, "0")}`,
    service: "shop",
    build: `shop-v${config.newest}`,
    heartbeatMs: config.heartbeatMs,
  });
  nodes.push(node);
}

async function stopAll(): Promise<void> {
  clearInterval(progress);
  await forEachLimited(nodes.splice(0), 50, (node) => node.stop().catch(() => {}));
  await Promise.allSettled(planes.splice(0).map((plane) => plane.close()));
  process.exit(0);
}

process.on("message", (command: LoadCommand) => {
  if (command.type === "end") void stopAll();
});
// The parent went away: do not outlive it.
process.on("disconnect", () => process.exit(1));

const progress = setInterval(() => {
  const oldestFlagChange = nodes.reduce((oldest, node) => Math.min(oldest, node.record(LOAD_FLAG)?.change.at ?? 0), Infinity);
  send({ type: "progress", heartbeats, failedHeartbeats, oldestFlagChange: nodes.length === 0 ? 0 : oldestFlagChange, at: Date.now() });
}, 100);

const started = Date.now();
await forEachLimited(
  Array.from({ length: config.count }, (_, index) => index),
  config.concurrency,
  startOne,
);
send({ type: "started", nodes: nodes.length, ms: Date.now() - started, at: Date.now() });
