/**
 * A child process of the end-to-end rollout test: one real fleet node on
 * the NATS control plane, labelled with its zone, serving its Prometheus
 * metrics on 127.0.0.1 at a port the OS picks, and sending orders to the
 * other nodes over NATS (core publish/subscribe on one subject: every node
 * reads every order, its own included). Argument: the JSON of a
 * {@link RolloutNodeConfig}.
 *
 * It prints one JSON object per line on stdout: `ready` once it joined and
 * serves its metrics (with their address), and `applied` each time it
 * applies a write-level record (with the revision, the record's level and
 * ramp, the levels it now writes for a fixed set of message keys, and when,
 * on this machine's clock). It stops cleanly (leaves the fleet) on SIGTERM
 * or when its standard input closes (the test process died).
 */
import { type Codec, defineMessageType, defineProtocol, type Protocol, type VersionDefinition, zodCodec } from "@twostep/core";
import { type FleetNode, startNode, type WriteLevelRecord } from "@twostep/fleet";
import { connectNatsControlPlane } from "@twostep/nats";
import { nodeMetrics, serveMetrics } from "@twostep/prometheus";
import { connect } from "@nats-io/transport-node";
import { Registry } from "prom-client";
import { z } from "zod";

/** What the test hands a node process. */
export interface RolloutNodeConfig {
  readonly url: string;
  readonly prefix: string;
  readonly nodeId: string;
  readonly zone: string;
  /** The build's name; with `slowV2EncodeMs` above 0, a faulty build whose v2 writer takes that much longer per frame. */
  readonly build: string;
  readonly slowV2EncodeMs: number;
  /** How often the node writes one order. */
  readonly writeEveryMs: number;
  readonly heartbeatMs: number;
  /** The subject the orders travel on. */
  readonly subject: string;
}

/** What a node process prints, one per line. */
export type RolloutNodeReport =
  | { readonly event: "ready"; readonly nodeId: string; readonly address: string }
  | {
      readonly event: "applied";
      readonly nodeId: string;
      readonly revision: number;
      readonly level: number | null;
      readonly ramp: WriteLevelRecord["ramp"];
      /** The levels the node writes for {@link SAMPLE_KEYS}, each once, sorted. */
      readonly writes: readonly number[];
      readonly at: number;
    };

export const TYPE = "orders.OrderPlaced";

/** The message keys whose write levels an `applied` report gives: enough that a ramp's share would pick some and leave others. */
const SAMPLE_KEYS = Array.from({ length: 50 }, (_, index) => `k${index}`);

const config = JSON.parse(process.argv[2] ?? "{}") as RolloutNodeConfig;
const report = (line: RolloutNodeReport): void => void process.stdout.write(`${JSON.stringify(line)}\n`);

const order = z.strictObject({ id: z.string(), v: z.number().int() });
type Order = z.output<typeof order>;

/** Blocks this thread for `ms` without burning a core: a deliberately slow codec must not starve the rest of a loaded machine. */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function codec(slowEncodeMs: number): Codec<Order> {
  const plain = zodCodec(order);
  if (slowEncodeMs <= 0) return plain;
  return {
    ...plain,
    encode(value, head) {
      pause(slowEncodeMs);
      return plain.encode(value, head);
    },
  };
}

/** `orders.OrderPlaced` read and written at v1 and v2; the faulty build's v2 writer is slow. */
function ordersProtocol(slowV2EncodeMs: number): Protocol {
  const versions: VersionDefinition[] = [
    { version: 1, codec: codec(0) },
    { version: 2, codec: codec(slowV2EncodeMs), upgrade: (previous: Order) => ({ ...previous, v: 2 }), downgrade: (current: Order) => ({ ...current, v: 1 }) },
  ];
  return defineProtocol({ types: [defineMessageType({ name: TYPE, id: 1, versions })] });
}

/** The `applied` report of `record`: what `node` writes now for each sample key (nothing while it cannot write). */
function applied(node: FleetNode, record: WriteLevelRecord, revision: number): RolloutNodeReport {
  const writes = new Set<number>();
  for (const key of SAMPLE_KEYS) {
    try {
      writes.add(node.writeLevel(TYPE, { key }));
    } catch {
      // Fenced, or no level written yet.
    }
  }
  return {
    event: "applied",
    nodeId: config.nodeId,
    revision,
    level: record.level,
    ramp: record.ramp,
    writes: [...writes].sort((a, b) => a - b),
    at: Date.now(),
  };
}

const plane = await connectNatsControlPlane({ servers: config.url, bucketPrefix: config.prefix, create: false, name: config.nodeId });
const traffic = await connect({ servers: config.url, name: `${config.nodeId}-traffic` });
const metrics = nodeMetrics(new Registry());
let node: FleetNode | undefined;
node = await startNode({
  controlPlane: plane,
  protocol: ordersProtocol(config.slowV2EncodeMs),
  nodeId: config.nodeId,
  service: "orders",
  build: config.build,
  labels: { zone: config.zone },
  heartbeatMs: config.heartbeatMs,
  observer: metrics,
  onWriteLevel: (record, revision) => {
    // The node holds the record before it tells: what it writes for each key is already the record's.
    if (node !== undefined) report(applied(node, record, revision));
  },
});
metrics.observe(node);
const joined = node;

// Read every order on the subject (a frame this build cannot read is a dead letter, counted by the node and its metrics).
const subscription = traffic.subscribe(config.subject, { callback: (_error, message) => void joined.decode(message.data) });
let sequence = 0;
const writer = setInterval(() => {
  if (joined.fenced) return;
  const id = `${config.nodeId}-${sequence++}`;
  try {
    traffic.publish(config.subject, joined.encode(TYPE, { id, v: 2 }, { key: id }));
  } catch {
    // No level is written yet (writes are closed until one is enabled): nothing to send.
  }
}, config.writeEveryMs);

const server = await serveMetrics({ registry: metrics.registry, port: 0 });
// The record applied at join, if any, was reported before `node` was set: report it again, now that the node is there.
const held = joined.record(TYPE);
if (held !== undefined) report(applied(joined, held, joined.appliedRevision(TYPE)));
report({ event: "ready", nodeId: config.nodeId, address: server.address });

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(writer);
  subscription.unsubscribe();
  await server.close();
  await joined.stop();
  await traffic.close();
  await plane.close();
  process.exit(0);
}
process.once("SIGTERM", () => void shutdown());
process.stdin.once("end", () => void shutdown());
process.stdin.resume();
