import { isTwostepError } from "@twostep/core";
import { Coordinator, startNode, type CoordinatorOptions, type DeadLetter, type FleetNode } from "@twostep/fleet";
import { connectNatsControlPlane, type NatsControlPlane } from "@twostep/nats";
import { SHIPMENT, shipmentProtocol, type Shipment } from "./shipment-protocol.js";

/** How a {@link TestFleet} reaches NATS and how fast its nodes beat. */
export interface TestFleetOptions {
  /** Server URLs every connection gets. */
  readonly servers: readonly string[];
  /** Bucket prefix of every connection. Defaults to `twostep`. */
  readonly bucketPrefix?: string;
  /** Replicas of what the release-manager connection creates. Defaults to 1. */
  readonly replicas?: number;
  readonly heartbeatMs: number;
  readonly advertisementTtlMs: number;
  /** Timeout of each control-plane request. */
  readonly timeoutMs: number;
}

/** Message keys the writers use: enough for a ramp's share to pick some and leave others. */
const keys = Array.from({ length: 24 }, (_, index) => `order-${index}`);

/**
 * A fleet of real nodes on the NATS control plane, each on its own
 * connection, with a coordinator, traffic between the nodes and a check,
 * as often as the traffic runs, that no writer uses a level some node
 * cannot read. Everything it starts, {@link TestFleet.close} stops.
 */
export class TestFleet {
  readonly nodes: FleetNode[] = [];
  readonly deadLetters: DeadLetter[] = [];
  /** What went wrong in traffic (the first 50): a writer at a level some node cannot read, a frame read wrong, an encode that threw. */
  readonly violations: string[] = [];
  readonly #options: TestFleetOptions;
  readonly #planes: NatsControlPlane[] = [];
  #timer: NodeJS.Timeout | undefined;
  #rounds = 0;

  constructor(options: TestFleetOptions) {
    this.#options = options;
  }

  /** Rounds of traffic so far: each node wrote one frame per round that every other node read. */
  get rounds(): number {
    return this.#rounds;
  }

  /** A release-manager connection (creates buckets); `servers` and `timeoutMs` default to the fleet's. */
  async connect(options: { servers?: readonly string[]; create?: boolean; timeoutMs?: number } = {}): Promise<NatsControlPlane> {
    const plane = await connectNatsControlPlane({
      servers: options.servers ?? this.#options.servers,
      bucketPrefix: this.#options.bucketPrefix ?? "twostep",
      replicas: this.#options.replicas ?? 1,
      advertisementTtlMs: this.#options.advertisementTtlMs,
      timeoutMs: options.timeoutMs ?? this.#options.timeoutMs,
      create: options.create ?? true,
    });
    this.#planes.push(plane);
    return plane;
  }

  /** A coordinator on a connection of its own. */
  async coordinator(options: CoordinatorOptions = {}): Promise<Coordinator> {
    return new Coordinator(await this.connect(), options);
  }

  /** Starts a node of service `shop` whose build reads and writes shipments v1..v`newest`, on a connection of its own. */
  async startNode(nodeId: string, newest: 2 | 3): Promise<FleetNode> {
    const node = await startNode({
      controlPlane: await this.connect({ create: false }),
      protocol: shipmentProtocol(newest),
      nodeId,
      service: "shop",
      build: `shop-v${newest}`,
      heartbeatMs: this.#options.heartbeatMs,
      onDeadLetter: (letter) => this.deadLetters.push(letter),
    });
    this.nodes.push(node);
    return node;
  }

  /** The levels the nodes write shipments at now, over the sample keys. */
  writeLevels(): Set<number> {
    return new Set(this.nodes.flatMap((node) => keys.map((key) => node.writeLevel(SHIPMENT, { key }))));
  }

  /** Every writer's level, for every sample key, checked against every node's read range; problems go to {@link TestFleet.violations}. */
  checkWriters(): void {
    for (const writer of this.nodes) {
      for (const key of keys) {
        const level = this.#writeLevel(writer, key);
        if (level === undefined) continue;
        for (const reader of this.nodes) {
          const { reads } = reader.protocol.type(SHIPMENT);
          if (level < reads.min || level > reads.max) {
            this.#violation(
              `${writer.nodeId} writes ${SHIPMENT} v${level} for ${key}, which ${reader.nodeId} (reads v${reads.min}..v${reads.max}) cannot read`,
            );
          }
        }
      }
    }
  }

  /** One round of traffic: every node writes one shipment, every other node reads it. */
  exchange(): void {
    const round = this.#rounds++;
    for (const writer of this.nodes) {
      const key = keys[round % keys.length] ?? "order";
      // Each build encodes its own newest shape: an old one has no etaDays yet.
      const id = `${writer.nodeId}#${round}`;
      const shipment: Partial<Shipment> = writer.protocol.type(SHIPMENT).latest >= 3 ? { id, carrier: "dhl", etaDays: 2 } : { id, carrier: "dhl" };
      let frame: Uint8Array;
      try {
        frame = writer.encode(SHIPMENT, shipment, { key });
      } catch (error) {
        this.#violation(`${writer.nodeId} could not encode: ${isTwostepError(error) ? error.code : String(error)}`);
        continue;
      }
      for (const reader of this.nodes) {
        if (reader === writer) continue;
        const decoded = reader.decode(frame);
        if (decoded !== undefined && (decoded.value as Shipment).id !== id) {
          this.#violation(`${reader.nodeId} read ${JSON.stringify(decoded.value)} from ${writer.nodeId}, not ${id}`);
        }
      }
    }
  }

  /** Runs {@link TestFleet.exchange} and {@link TestFleet.checkWriters} every `intervalMs` until {@link TestFleet.stopTraffic}. */
  startTraffic(intervalMs: number): void {
    this.#timer ??= setInterval(() => {
      this.exchange();
      this.checkWriters();
    }, intervalMs);
  }

  stopTraffic(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Stops the traffic and the nodes, and closes every connection; never throws (it runs in teardown). */
  async close(): Promise<void> {
    this.stopTraffic();
    await Promise.allSettled(this.nodes.splice(0).map((node) => node.stop()));
    await Promise.allSettled(this.#planes.splice(0).map((plane) => plane.close()));
  }

  #violation(problem: string): void {
    if (this.violations.length < 50) this.violations.push(problem);
  }

  #writeLevel(writer: FleetNode, key: string): number | undefined {
    try {
      return writer.writeLevel(SHIPMENT, { key });
    } catch (error) {
      this.#violation(`${writer.nodeId} has no level to write: ${isTwostepError(error) ? error.code : String(error)}`);
      return undefined;
    }
  }
}
