import { defineMessageType, defineProtocol, type Protocol, type VersionDefinition, zodCodec } from "@twostep/core";
import { type CapabilitySupport, Coordinator, type FleetNode, type Labels, MemoryControlPlane, startNode } from "@twostep/fleet";
import { buildIdOf, twostepRecordFormats } from "@twostep/fleet/internal";
import { afterEach } from "vitest";
import { z } from "zod";
import { type InProcessOptions, type InProcessRun, runInProcess } from "./test-context.js";

/** The capability most tests change. */
export const ORDERS = "orders.OrderPlaced";

/** Who makes the changes a test makes through the coordinator directly. */
export const WHO = { actor: "alice", reason: "first rollout" } as const;

/** A clock that moves only when told to. */
export class FakeClock {
  #now = Date.UTC(2026, 0, 1, 10);
  readonly now = (): number => this.#now;
  advance(ms: number): void {
    this.#now += ms;
  }
}

/** A group of nodes to start: `${prefix}1` to `${prefix}${count}`, one service and build. */
export interface NodeGroup {
  readonly prefix: string;
  readonly count: number;
  readonly service: string;
  readonly build: string;
  /** The highest level of orders.OrderPlaced the build reads and writes, from v1; 0: it has no such type. Defaults to 1. */
  readonly reads?: number;
  /** Other capabilities the build reads and writes, such as `compression.zstd`. */
  readonly features?: Readonly<Record<string, CapabilitySupport>>;
  /** The capabilities it takes part in, when only some. */
  readonly uses?: readonly string[];
  readonly labels?: Labels;
}

const payload = z.strictObject({ id: z.string() });

function version(level: number): VersionDefinition {
  return { version: level, codec: zodCodec(payload), upgrade: (value: unknown) => value, downgrade: (value: unknown) => value };
}

/** A protocol whose orders.OrderPlaced reads and writes v1..v`max` (none for 0). */
function protocolReading(max: number): Protocol {
  const versions = Array.from({ length: max }, (_, index) => version(index + 1));
  return defineProtocol({ types: max === 0 ? [] : [defineMessageType({ name: ORDERS, id: 1, versions })] });
}

/**
 * A fleet of real nodes on a memory control plane and a fake clock, which
 * the nodes, the control plane and the CLI's coordinator all judge time by.
 * Nodes heartbeat only when told (`heartbeat`, `advance`); a silenced node
 * stays a member without heartbeats, as a crashed one does.
 */
export class TestFleet {
  readonly clock = new FakeClock();
  readonly plane = new MemoryControlPlane({ clock: this.clock.now, beatTtlMs: 30 * 86_400_000 });
  readonly nodes: FleetNode[] = [];
  readonly #silent = new Set<FleetNode>();

  /** Starts the nodes of `group`. */
  async add(group: NodeGroup): Promise<FleetNode[]> {
    const started: FleetNode[] = [];
    for (let index = 1; index <= group.count; index++) {
      const node = await startNode({
        controlPlane: this.plane,
        protocol: protocolReading(group.reads ?? 1),
        nodeId: `${group.prefix}${index}`,
        service: group.service,
        build: group.build,
        heartbeatMs: 1e9,
        clock: this.clock.now,
        ...(group.features === undefined ? {} : { features: group.features }),
        ...(group.uses === undefined ? {} : { uses: group.uses }),
        ...(group.labels === undefined ? {} : { labels: group.labels }),
      });
      this.nodes.push(node);
      started.push(node);
    }
    // A node's first heartbeat goes out before its lease starts, so it reports itself fenced; the second clears that.
    await Promise.all(started.map((node) => node.heartbeat()));
    return started;
  }

  /** Registers a member that never sent a heartbeat (its process is still starting), with a build that reads orders v1..`reads` and `features`. */
  async addStarting(nodeId: string, service: string, build: string, reads = 1, features: Readonly<Record<string, CapabilitySupport>> = {}): Promise<void> {
    const capabilities = {
      [ORDERS]: { reads: { min: 1, max: reads }, writes: { min: 1, max: reads } },
      ...features,
      "twostep.records": { reads: { min: 1, max: 1 } },
    };
    const record = { capabilities, uses: null };
    const buildId = buildIdOf(record);
    const incarnation = "0123456789abcdef";
    const member = { nodeId, incarnation, service, build, buildId, labels: {}, startedAt: this.clock.now(), leaseMs: 15_000 };
    await this.plane.register([
      { key: { kind: "build", buildId }, value: twostepRecordFormats.encode("build", record, 1), ifAbsent: true },
      { key: { kind: "member", nodeId, incarnation }, value: twostepRecordFormats.encode("member", member, 1) },
    ]);
  }

  /** The nodes of these ids send no heartbeat any more (they stay members). */
  silence(...nodeIds: string[]): void {
    for (const node of this.nodes) if (nodeIds.includes(node.nodeId)) this.#silent.add(node);
  }

  /** Every node that is not silenced sends a heartbeat. */
  async heartbeat(): Promise<void> {
    await this.settle();
    await Promise.all(this.nodes.filter((node) => !this.#silent.has(node)).map((node) => node.heartbeat()));
  }

  /**
   * Moves the clock by `ms`, then the nodes that are not silenced heartbeat
   * twice: after a jump longer than their lease the first heartbeat renews
   * it, the second reports them writing again.
   */
  async advance(ms: number): Promise<void> {
    this.clock.advance(ms);
    await this.heartbeat();
    await this.heartbeat();
  }

  /**
   * Makes the store go backwards under the nodes: enables v1 of
   * orders.OrderPlaced, takes a backup, enables v2, lets the nodes apply it,
   * restores the backup, and lets them report what they hold.
   */
  async regressStore(): Promise<void> {
    const coordinator = this.coordinator();
    await coordinator.enableWrite(ORDERS, 1, WHO);
    const backup = this.plane.backup();
    await coordinator.enableWrite(ORDERS, 2, WHO);
    await this.heartbeat();
    this.plane.restore(backup);
    await this.heartbeat();
  }

  /** A coordinator on this fleet's control plane and clock. */
  coordinator(): Coordinator {
    return new Coordinator(this.plane, { clock: this.clock.now });
  }

  /** Lets followers take what was stored. */
  async settle(): Promise<void> {
    for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
  }

  /** Runs `twostep ...argv` in process on this fleet. */
  run(argv: readonly string[], options: Partial<InProcessOptions> = {}): Promise<InProcessRun> {
    return runInProcess(argv, { plane: this.plane, clock: this.clock.now, ...options });
  }

  /** Runs `twostep ...argv --json` in process and parses what it printed (as `T`, a documented shape, when given). */
  async json<T = Record<string, unknown>>(argv: readonly string[], options: Partial<InProcessOptions> = {}): Promise<{ run: InProcessRun; output: T }> {
    const run = await this.run([...argv, "--json"], options);
    return { run, output: JSON.parse(run.stdout) as T };
  }

  /** Stops every node. */
  async close(): Promise<void> {
    await Promise.allSettled(this.nodes.splice(0).map((node) => node.stop()));
  }
}

/** The 13 features of {@link addWideFleet}: `feature.f01` to `feature.f13`. */
export const FEATURES = Array.from({ length: 13 }, (_, index) => `feature.f${String(index + 1).padStart(2, "0")}`);

/** What every build of {@link addWideFleet} does with each of {@link FEATURES}: reads and writes v1..v2. */
export const WIDE_FEATURES: Readonly<Record<string, CapabilitySupport>> = Object.fromEntries(
  FEATURES.map((name) => [name, { reads: { min: 1, max: 2 }, writes: { min: 1, max: 2 } }]),
);

/**
 * Gives `fleet` 15 capabilities: orders.OrderPlaced blocked at v2 by one
 * old node (of three), `feature.f02` ramping to v2 at 50%, and the other
 * features and the record format with nothing to act on (v1 enabled,
 * applied by every member, v2 ready).
 */
export async function addWideFleet(fleet: TestFleet): Promise<TestFleet> {
  await fleet.add({ prefix: "new-", count: 2, service: "orders", build: "orders@2.0.0", reads: 2, features: WIDE_FEATURES });
  await fleet.add({ prefix: "old-", count: 1, service: "orders", build: "orders@1.4.0", reads: 1, features: WIDE_FEATURES });
  const coordinator = fleet.coordinator();
  for (const name of [ORDERS, ...FEATURES]) await coordinator.enableWrite(name, 1, WHO);
  await coordinator.enableWrite("feature.f02", 2, { ...WHO, percent: 50 });
  await fleet.heartbeat();
  return fleet;
}

/** A maker of test fleets whose nodes are stopped after each test. */
export function useFleets(): () => TestFleet {
  const made: TestFleet[] = [];
  afterEach(async () => {
    await Promise.all(made.splice(0).map((fleet) => fleet.close()));
  });
  return () => {
    const fleet = new TestFleet();
    made.push(fleet);
    return fleet;
  };
}
