import { isTwostepError } from "@twostep/core";
import {
  Coordinator,
  FleetErrorCode,
  startNode,
  type ControlPlane,
  type CoordinatorOptions,
  type DeadLetter,
  type FleetNode,
  type WriteLevelRecord,
} from "@twostep/fleet";
import type { FollowHandlers, FollowOptions } from "@twostep/fleet/control-plane";
import { connectNatsControlPlane, type NatsControlPlane } from "@twostep/nats";
import { SHIPMENT, shipmentProtocol, type Shipment } from "./shipment-protocol.js";

/** How a {@link TestFleet} reaches NATS, and how fast its nodes beat. */
export interface TestFleetOptions {
  /** Server URLs every connection gets. */
  readonly servers: readonly string[];
  /** Bucket prefix of every connection. Defaults to `twostep`. */
  readonly bucketPrefix?: string;
  /** Replicas of the streams the release-manager connection creates. Defaults to 1. */
  readonly replicas?: number;
  /** Heartbeat period of every node. */
  readonly heartbeatMs: number;
  /** Max age of heartbeats in the heartbeat stream created here; keep it above a node's lease and the clock margin. */
  readonly beatTtlMs: number;
  /** Timeout of each control-plane request. */
  readonly timeoutMs: number;
  /** Period of each follower's backstop resync. Defaults to the control plane's (60 s). */
  readonly resyncMs?: number;
}

/** What one node was handed by its follower: how many snapshots (the first, then one per resync) and how many single entries (republished records). */
export interface Followed {
  snapshots: number;
  entries: number;
}

/** Message keys the writers use: enough for a ramp's share to pick some and leave others. */
const keys = Array.from({ length: 24 }, (_, index) => `order-${index}`);

/**
 * A fleet of real nodes on the NATS control plane, each on a connection of
 * its own named after it (so that a server's `/connz` tells whose
 * connections it holds), with coordinators, traffic between the nodes and a
 * check, as often as the traffic runs, that no writer uses a level some
 * node cannot read. A node that does not write because it is fenced (its
 * lease ran out) writes nothing, which is safe: that is counted apart, in
 * {@link TestFleet.fences}. Everything it starts, {@link TestFleet.close}
 * stops.
 */
export class TestFleet {
  readonly nodes: FleetNode[] = [];
  readonly deadLetters: DeadLetter[] = [];
  /** What went wrong in traffic (the first 50): a writer at a level some node cannot read, a frame read wrong, an encode that threw. */
  readonly violations: string[] = [];
  /** Every time a node stopped writing (`onFenced`): `node: why`, the first 50. */
  readonly fences: string[] = [];
  /** Per node id, what its follower handed it. */
  readonly followed = new Map<string, Followed>();
  /** Writes skipped because the writer was fenced. */
  fencedWrites = 0;
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

  /** A connection (a release manager's unless `create` is false); `servers` and `timeoutMs` default to the fleet's. */
  async connect(options: { servers?: readonly string[]; create?: boolean; timeoutMs?: number; name?: string } = {}): Promise<NatsControlPlane> {
    const plane = await connectNatsControlPlane({
      servers: options.servers ?? this.#options.servers,
      bucketPrefix: this.#options.bucketPrefix ?? "twostep",
      replicas: this.#options.replicas ?? 1,
      beatTtlMs: this.#options.beatTtlMs,
      timeoutMs: options.timeoutMs ?? this.#options.timeoutMs,
      create: options.create ?? true,
      ...(this.#options.resyncMs === undefined ? {} : { resyncMs: this.#options.resyncMs }),
      ...(options.name === undefined ? {} : { name: options.name }),
    });
    this.#planes.push(plane);
    return plane;
  }

  /** A coordinator on a connection of its own. */
  async coordinator(options: CoordinatorOptions = {}): Promise<Coordinator> {
    return new Coordinator(await this.connect(), options);
  }

  /**
   * Starts a node of service `shop` whose build reads and writes shipments v1..v`newest`, on a connection of its own named
   * `nodeId`, to `servers` (defaults to the fleet's; a client also learns the other servers of a cluster from the one it reaches).
   */
  async startNode(nodeId: string, newest: 1 | 2 | 3, options: { servers?: readonly string[] } = {}): Promise<FleetNode> {
    const plane = await this.connect({ create: false, name: nodeId, ...(options.servers === undefined ? {} : { servers: options.servers }) });
    const node = await startNode({
      controlPlane: this.#counted(nodeId, plane),
      protocol: shipmentProtocol(newest),
      nodeId,
      service: "shop",
      build: `shop-v${newest}`,
      heartbeatMs: this.#options.heartbeatMs,
      onDeadLetter: (letter) => this.deadLetters.push(letter),
      onFenced: (error) => {
        if (this.fences.length < 50) this.fences.push(`${nodeId}: ${error.message}`);
      },
    });
    this.nodes.push(node);
    return node;
  }

  /** The levels the nodes write shipments at now, over the sample keys. */
  writeLevels(): Set<number> {
    return new Set(this.nodes.flatMap((node) => keys.map((key) => node.writeLevel(SHIPMENT, { key }))));
  }

  /** Per node, the shipment record it follows: its level and ramp. */
  records(): { node: string; level: number | null | undefined; ramp: { to: number; percent: number } | null | undefined }[] {
    return this.nodes.map((node) => {
      const record: WriteLevelRecord | undefined = node.record(SHIPMENT);
      return { node: node.nodeId, level: record?.level, ramp: record?.ramp == null ? record?.ramp : { to: record.ramp.to, percent: record.ramp.percent } };
    });
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
      const latest = writer.protocol.type(SHIPMENT).latest;
      const shipment: Partial<Shipment> = latest >= 3 ? { id, carrier: "dhl", etaDays: 2 } : latest === 2 ? { id, carrier: "dhl" } : { id };
      let frame: Uint8Array;
      try {
        frame = writer.encode(SHIPMENT, shipment, { key });
      } catch (error) {
        if (isTwostepError(error, FleetErrorCode.Fenced)) this.fencedWrites++;
        else this.#violation(`${writer.nodeId} could not encode: ${isTwostepError(error) ? error.code : String(error)}`);
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
      if (isTwostepError(error, FleetErrorCode.Fenced)) this.fencedWrites++;
      else this.#violation(`${writer.nodeId} has no level to write: ${isTwostepError(error) ? error.code : String(error)}`);
      return undefined;
    }
  }

  /** `plane`, with what its follower hands the node counted in {@link TestFleet.followed}. */
  #counted(nodeId: string, plane: NatsControlPlane): ControlPlane {
    const followed: Followed = { snapshots: 0, entries: 0 };
    this.followed.set(nodeId, followed);
    return new Proxy(plane, {
      get(target, property) {
        if (property === "follow") {
          return (handlers: FollowHandlers, options?: FollowOptions) =>
            target.follow(
              {
                onSnapshot: (snapshot) => {
                  followed.snapshots++;
                  handlers.onSnapshot(snapshot);
                },
                onEntry: (entry) => {
                  followed.entries++;
                  handlers.onEntry(entry);
                },
              },
              options,
            );
        }
        // The plane's methods use its private fields: call them on the plane itself, not on the proxy.
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }
}
