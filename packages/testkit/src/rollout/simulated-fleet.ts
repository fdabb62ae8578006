import { randomInt } from "node:crypto";
import { setImmediate as nextTurn, setTimeout as sleep } from "node:timers/promises";
import { isDeepStrictEqual } from "node:util";
import { isTwostepError } from "@twostep/core";
import {
  type ControlPlane,
  Coordinator,
  type FleetNode,
  FleetErrorCode,
  type JoinRefusedError,
  MemoryControlPlane,
  startNode,
  type WriteLevelRecord,
} from "@twostep/fleet";
import { pino, type Logger } from "pino";
import type { RolloutFailure } from "../testkit-errors.js";
import { Traffic, failureWithoutFrame, type Build, type Delivery, type SimulatedNode, type TrafficFailure } from "./traffic.js";
import { ValueSource, type ArbitraryOverride } from "./value-source.js";

/** Options of every simulated fleet: the upgrade/downgrade suite's and the split-world property's. */
export interface SimulationOptions {
  /** Creates the control plane the fleet runs on; it is closed at the end. Defaults to a new `MemoryControlPlane`. */
  readonly controlPlane?: () => ControlPlane | Promise<ControlPlane>;
  /** Seed of the generated values. Defaults to a random one, which a failure reports. */
  readonly seed?: number;
  /** Generators to use instead of the schema-derived ones, for some types and versions. */
  readonly arbitraries?: ArbitraryOverride;
  /**
   * How long a level must be unwritten before it may be retired. Defaults to
   * 10 ms: before retiring, the fleet waits until every node follows the
   * lowered level and what was in flight is delivered, which is what the
   * window stands for in production.
   */
  readonly drainWindowMs?: number;
  /** Pause between two traffic rounds, in ms. Defaults to 0: the next turn of the event loop. */
  readonly roundMs?: number;
  /** How long nodes may take to follow a write-level change. Defaults to 5 s. */
  readonly followTimeoutMs?: number;
  /** Heartbeat period of the nodes. Defaults to 1 s. */
  readonly heartbeatMs?: number;
  /** Service name the nodes advertise. Defaults to `testkit`. */
  readonly service?: string;
  /** Logger of the nodes. Defaults to a silent one. */
  readonly logger?: Logger;
}

/** Who the test kit records as the author of its write-level changes. */
export const TESTKIT_ACTOR = "testkit";

/**
 * A fleet of real `FleetNode`s on one control plane, with a coordinator and
 * continuous traffic between the nodes ({@link Traffic}). Failures are
 * recorded with the step set in {@link SimulatedFleet.step}, for the caller
 * to collect.
 */
export class SimulatedFleet {
  readonly controlPlane: ControlPlane;
  readonly coordinator: Coordinator;
  readonly seed: number;
  /** The step (or command) that failures are recorded under. */
  step = "";
  readonly #traffic: Traffic;
  readonly #failures: RolloutFailure[] = [];
  readonly #nodes = new Map<string, FleetNode>();
  readonly #roundMs: number;
  readonly #followTimeoutMs: number;
  readonly #drainWindowMs: number;
  readonly #heartbeatMs: number;
  readonly #service: string;
  readonly #logger: Logger;

  /**
   * Opens a fleet for these builds: builds the value generators first (so an
   * unsupported schema throws before anything starts), then the control plane.
   */
  static async open(builds: readonly Build[], options: SimulationOptions): Promise<SimulatedFleet> {
    const seed = options.seed ?? randomInt(2 ** 31);
    const values = new ValueSource(
      seed,
      builds.map((build) => build.protocol),
      options.arbitraries,
    );
    const plane = await (options.controlPlane?.() ?? new MemoryControlPlane());
    return new SimulatedFleet(plane, values, seed, options);
  }

  private constructor(plane: ControlPlane, values: ValueSource, seed: number, options: SimulationOptions) {
    this.controlPlane = plane;
    this.seed = seed;
    this.#drainWindowMs = options.drainWindowMs ?? 10;
    this.coordinator = new Coordinator(plane);
    this.#traffic = new Traffic(values, (failure) => this.fail(failure));
    this.#roundMs = options.roundMs ?? 0;
    this.#followTimeoutMs = options.followTimeoutMs ?? 5_000;
    this.#heartbeatMs = options.heartbeatMs ?? 1_000;
    this.#service = options.service ?? "testkit";
    this.#logger = options.logger ?? pino({ level: "silent" });
  }

  /** The running nodes. */
  nodes(): SimulatedNode[] {
    return this.#traffic.nodes();
  }

  /** Records a failure under the current step. */
  fail(failure: TrafficFailure): void {
    this.#failures.push({ ...failure, step: this.step });
  }

  /** The failures recorded since the last call. */
  takeFailures(): RolloutFailure[] {
    return this.#failures.splice(0);
  }

  /** The deliveries since the last call. */
  takeDeliveries(): Delivery[] {
    return this.#traffic.takeDeliveries();
  }

  /**
   * Starts `nodeId` on `build` and lets it into the traffic. Returns the join
   * guard's refusal rather than throwing it; other errors are thrown.
   */
  async start(nodeId: string, build: Build): Promise<JoinRefusedError | undefined> {
    try {
      const node = await startNode({
        controlPlane: this.controlPlane,
        protocol: build.protocol,
        nodeId,
        service: this.#service,
        build: build.id,
        // A node handles the types of its build: one lacking a type neither blocks it nor is kept out by it.
        uses: build.protocol.types.map((type) => type.name),
        heartbeatMs: this.#heartbeatMs,
        logger: this.#logger,
        // The traffic sees every failed decode itself.
        onDeadLetter: () => {},
      });
      this.#nodes.set(nodeId, node);
      this.#traffic.add(nodeId, build, node);
      return undefined;
    } catch (error) {
      if (isTwostepError(error, FleetErrorCode.JoinRefused)) return error as JoinRefusedError;
      throw error;
    }
  }

  /** Stops `nodeId` cleanly: it consumes what is in flight to it, then leaves the fleet. */
  async stop(nodeId: string): Promise<void> {
    const node = this.#nodes.get(nodeId);
    if (node === undefined) return;
    this.#nodes.delete(nodeId);
    this.#traffic.remove(nodeId);
    await node.stop();
  }

  /** Deploys `build` on `nodeId`: stops the node if it runs, then starts it on `build`. */
  async deploy(nodeId: string, build: Build): Promise<JoinRefusedError | undefined> {
    await this.stop(nodeId);
    return this.start(nodeId, build);
  }

  /** Runs `action` while traffic flows (a round, then a pause, until it settles); returns or throws what it does. */
  async during<T>(action: () => Promise<T>): Promise<T> {
    let done = false;
    const outcome = action().then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    void outcome.then(() => (done = true));
    while (!done) await this.rounds(1);
    const result = await outcome;
    if (!result.ok) throw result.error;
    return result.value;
  }

  /** Runs `count` rounds of traffic, pausing after each. */
  async rounds(count: number): Promise<void> {
    for (let round = 0; round < count; round++) {
      this.#traffic.round();
      await (this.#roundMs > 0 ? sleep(this.#roundMs) : nextTurn());
    }
  }

  /** Delivers everything in flight now, and records a `lost` failure if some frame did not reach the node it was sent to. */
  flush(): void {
    this.#traffic.flush();
    const lost = this.#traffic.unconsumed();
    if (lost === 0) return;
    this.fail(
      failureWithoutFrame("lost", `${lost} deliver${lost === 1 ? "y" : "ies"} never reached the node ${lost === 1 ? "it was" : "they were"} sent to`, null),
    );
  }

  /**
   * Waits, with traffic flowing, until every running node holds the
   * write-level records the control plane holds. Records a `not-followed`
   * failure when that takes longer than the follow timeout.
   */
  async settle(): Promise<void> {
    const deadline = Date.now() + this.#followTimeoutMs;
    for (;;) {
      const behind = await this.#behind();
      if (behind === undefined) return;
      if (Date.now() > deadline) {
        const detail = `${behind.nodeId} did not follow the write level of ${behind.capability} within ${this.#followTimeoutMs} ms`;
        this.fail(failureWithoutFrame("not-followed", detail, null, { receiver: behind.nodeId, receiverBuild: behind.build, type: behind.capability }));
        return;
      }
      await this.rounds(1);
    }
  }

  /**
   * Drains `level` of `capability` before its retirement: waits until every
   * node follows the record that stopped writing it, delivers what was
   * written before, and lets the drain window pass, all with traffic flowing.
   */
  async drain(capability: string, level: number): Promise<void> {
    const author = { actor: TESTKIT_ACTOR, reason: "the simulation's drain window" };
    await this.coordinator.change(capability, { kind: "policy", drainWindowMs: this.#drainWindowMs }, author);
    await this.settle();
    // Frames written before the nodes followed arrive within one round.
    await this.rounds(2);
    for (;;) {
      // Each node reports what it applied and wrote; the retirement waits for every one of them.
      await Promise.all(this.nodes().map(({ node }) => node.heartbeat()));
      const plan = await this.coordinator.change(capability, { kind: "retire", level }, author, { dryRun: true });
      if (!plan.refused) return;
      await this.rounds(1);
    }
  }

  /** The write-level record of `capability` as the control plane holds it, if any. */
  async record(capability: string): Promise<WriteLevelRecord | undefined> {
    const status = await this.coordinator.status(capability);
    return status.capabilities[0]?.record ?? undefined;
  }

  /** Stops every node (each consuming what is in flight to it) and closes the control plane. */
  async close(): Promise<void> {
    try {
      for (const nodeId of [...this.#nodes.keys()]) await this.stop(nodeId);
    } finally {
      await this.controlPlane.close();
    }
  }

  async #behind(): Promise<{ nodeId: string; build: string; capability: string } | undefined> {
    const records = (await this.coordinator.status()).capabilities.flatMap((capability) => (capability.record === null ? [] : [capability.record]));
    for (const { nodeId, build, node } of this.nodes()) {
      for (const value of records) {
        if (!isDeepStrictEqual(node.record(value.capability), value)) return { nodeId, build, capability: value.capability };
      }
    }
    return undefined;
  }
}
