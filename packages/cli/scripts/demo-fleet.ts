import { defineMessageType, defineProtocol, type Protocol, zodCodec } from "@twostep/core";
import { Coordinator, type FleetNode, type Labels, MemoryControlPlane, RolloutController, type RolloutPlan, Rollouts, startNode } from "@twostep/fleet";
import { z } from "zod";

/** The message type the demo rolls out. */
export const ORDERS = "orders.OrderPlaced";

/** The message type whose next level one old build blocks. */
export const CUSTOMERS = "customers.CustomerUpdated";

const payload = z.strictObject({ id: z.string() });

/** A protocol whose builds read and write orders v1..v2 and customers v1..`customers`. */
function protocolOf(customers: number): Protocol {
  const versions = (count: number) =>
    Array.from({ length: count }, (_, index) => ({
      version: index + 1,
      codec: zodCodec(payload),
      upgrade: (value: unknown) => value,
      downgrade: (value: unknown) => value,
    }));
  return defineProtocol({
    types: [defineMessageType({ name: ORDERS, id: 1, versions: versions(2) }), defineMessageType({ name: CUSTOMERS, id: 2, versions: versions(customers) })],
  });
}

/** The plan the demo runs: zone by zone, then every node, each step baking while its gates pass. */
export const DEMO_PLAN: RolloutPlan = {
  target: 2,
  steps: [
    { percent: 100, where: { zone: ["eu-1a"] }, bakeMs: 300_000 },
    { percent: 100, where: { zone: ["eu-1a", "eu-1b"] }, bakeMs: 600_000 },
    { percent: 100, where: null, bakeMs: 900_000 },
  ],
  gates: [
    { kind: "convergence", name: "converged" },
    { kind: "frame-health", name: "decode failures", maxFailureRate: 0.02, maxIncrease: 0.01, minFrames: 20, windowMs: 60_000 },
  ],
  intervalMs: 5_000,
};

/**
 * A known fleet on a memory control plane and a clock that moves only when
 * told: seven nodes of three services in three zones; customers v2 written
 * and v1 draining; one old shipping build that blocks customers v3; and a
 * rollout of orders v2 in its second wave, baking, its gates passing.
 */
export class DemoFleet {
  #now = Date.UTC(2026, 2, 2, 9, 0, 0);
  readonly clock = (): number => this.#now;
  readonly plane = new MemoryControlPlane({ clock: this.clock, beatTtlMs: 30 * 86_400_000 });
  readonly coordinator = new Coordinator(this.plane, { clock: this.clock });
  readonly rollouts = new Rollouts(this.plane, this.coordinator, { clock: this.clock });
  readonly controller = new RolloutController(this.plane, { clock: this.clock, id: "controller-demo" });
  readonly nodes: FleetNode[] = [];

  /** Builds the demo state. */
  async build(): Promise<void> {
    const orders = (zone: string, tier: string) => ({ service: "orders", build: "orders@2.4.0", customers: 3, labels: { zone, tier } });
    await this.start("orders-1", orders("eu-1a", "canary"));
    await this.start("orders-2", orders("eu-1a", "main"));
    await this.start("orders-3", orders("eu-1b", "main"));
    await this.start("billing-1", { service: "billing", build: "billing@3.1.0", customers: 3, labels: { zone: "eu-1b", tier: "main" } });
    await this.start("billing-2", { service: "billing", build: "billing@3.1.0", customers: 3, labels: { zone: "eu-1c", tier: "main" } });
    await this.start("shipping-1", { service: "shipping", build: "shipping@1.9.2", customers: 2, labels: { zone: "eu-1c", tier: "main" } });
    await this.start("shipping-2", { service: "shipping", build: "shipping@1.9.2", customers: 2, labels: { zone: "eu-1c", tier: "legacy" } });
    await this.beat();
    const alice = { actor: "alice@example.com", reason: "first release of the new types" };
    await this.coordinator.enableWrite(ORDERS, 1, alice);
    await this.coordinator.enableWrite(CUSTOMERS, 1, alice);
    await this.pass(3_600_000);
    await this.coordinator.change(CUSTOMERS, { kind: "policy", drainWindowMs: 7_200_000 }, { actor: "bob@example.com", reason: "retries span two hours" });
    await this.coordinator.enableWrite(CUSTOMERS, 2, { actor: "bob@example.com", reason: "CUST-88: loyalty tier" });
    await this.pass(1_800_000);
    await this.rollouts.start(ORDERS, DEMO_PLAN, { actor: "alice@example.com", reason: "REL-2026.03: orders v2, zone by zone" });
    // Through the first wave and into the bake of the second.
    await this.pass(420_000);
  }

  /** Moves the clock by `ms` in steps of 5 s: traffic flows, nodes heartbeat, the controller looks. */
  async pass(ms: number): Promise<void> {
    for (let passed = 0; passed < ms; passed += 5_000) {
      this.#now += 5_000;
      this.traffic();
      await this.beat();
      await this.controller.tick();
      await settle();
    }
  }

  /** Every node sends a heartbeat. */
  async beat(): Promise<void> {
    await settle();
    await Promise.all(this.nodes.map((node) => node.heartbeat()));
  }

  /** Stops every node. */
  async close(): Promise<void> {
    await Promise.allSettled(this.nodes.splice(0).map((node) => node.stop()));
  }

  /** Each node writes an order to every other node, which decodes it. */
  traffic(): void {
    for (const writer of this.nodes) {
      const frame = writer.encode(ORDERS, { id: `${writer.nodeId}-${this.#now}` }, { key: `${writer.nodeId}-${this.#now}` });
      for (const reader of this.nodes) if (reader !== writer) reader.decode(frame);
    }
  }

  async start(nodeId: string, build: { service: string; build: string; customers: number; labels: Labels }): Promise<void> {
    const node = await startNode({
      controlPlane: this.plane,
      protocol: protocolOf(build.customers),
      nodeId,
      service: build.service,
      build: build.build,
      labels: build.labels,
      heartbeatMs: 1e9,
      clock: this.clock,
    });
    this.nodes.push(node);
  }
}

/** Lets followers take what was stored. */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
}
