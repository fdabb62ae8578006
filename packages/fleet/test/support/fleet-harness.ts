import { Coordinator, type CoordinatorOptions, type FleetNode, MemoryControlPlane, type NodeOptions, startNode } from "@twostep/fleet";
import type { ControlPlane } from "@twostep/fleet/control-plane";
import { type BuildId, protocolOf } from "./builds.js";
import { FakeClock } from "./fake-clock.js";

/** The capability every fleet test changes. */
export const TYPE = "orders.OrderPlaced";

/** Who makes the changes of a test. */
export const WHO = { actor: "alice", reason: "test" } as const;

/**
 * One in-memory fleet on a fake clock: the control plane, a coordinator and
 * nodes that all judge time by the same clock, so leases and windows pass
 * when a test says so.
 */
export class FleetHarness {
  readonly clock = new FakeClock();
  readonly plane: MemoryControlPlane;
  readonly coordinator: Coordinator;
  readonly nodes: FleetNode[] = [];

  constructor(options: { readonly beatTtlMs?: number; readonly coordinator?: CoordinatorOptions } = {}) {
    this.plane = new MemoryControlPlane({ clock: this.clock.now, beatTtlMs: options.beatTtlMs ?? 60_000 });
    this.coordinator = this.coordinatorOn(this.plane, options.coordinator);
  }

  /** Another coordinator on `plane` (default: the harness's), on the harness's clock. */
  coordinatorOn(plane: ControlPlane = this.plane, options: CoordinatorOptions = {}): Coordinator {
    return new Coordinator(plane, { clock: this.clock.now, ...options });
  }

  /** Starts a node of `build` (heartbeats by hand unless `heartbeatMs` is given). */
  async node(nodeId: string, build: BuildId, options: Partial<NodeOptions> = {}): Promise<FleetNode> {
    const node = await startNode({
      controlPlane: this.plane,
      protocol: protocolOf(build),
      nodeId,
      service: "orders",
      build,
      heartbeatMs: 1e9,
      clock: this.clock.now,
      ...options,
    });
    this.nodes.push(node);
    return node;
  }

  /** Lets watches deliver what was stored. */
  async settle(): Promise<void> {
    for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
  }

  /** Every node started here sends a heartbeat (a stopped one does nothing). */
  async heartbeat(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.heartbeat()));
  }

  /** Stops every node started here (those already stopped are skipped). */
  async close(): Promise<void> {
    await Promise.allSettled(this.nodes.splice(0).map((node) => node.stop()));
  }
}
