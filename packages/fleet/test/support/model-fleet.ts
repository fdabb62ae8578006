import { isTwostepError } from "@twostep/core";
import { Coordinator, committedLevels, type FleetNode, FleetErrorCode, MemoryControlPlane, requiredLevels, startNode } from "@twostep/fleet";
import type { ControlPlane } from "@twostep/fleet/control-plane";
import { type BuildId, protocolOf, reads } from "./builds.js";
import { FakeClock } from "./fake-clock.js";
import { FollowGate, hookedControlPlane } from "./hooked-control-plane.js";
import { TYPE } from "./fleet-harness.js";

/** Refusals the system may answer with: never failures. */
export const REFUSALS = new Set<string>([
  FleetErrorCode.UnsafeChange,
  FleetErrorCode.InvalidRequest,
  FleetErrorCode.RevisionConflict,
  FleetErrorCode.JoinRefused,
  FleetErrorCode.Fenced,
  FleetErrorCode.Unreachable,
]);

/** How long a frame may be in flight or stored before it is read: the drain window the fleet is given. */
export const DRAIN_MS = 60_000;
/** The lease of every node. */
export const LEASE_MS = 15_000;

/** One process of a node: its build, and whether it runs, is cut off, or died. */
export interface Process {
  readonly nodeId: string;
  readonly build: BuildId;
  readonly node: FleetNode;
  /** Cut off from the control plane (it still runs, receives and may write). */
  partitioned: boolean;
  readonly gate: FollowGate;
}

/** A frame a node wrote: its level and when. */
export interface Written {
  readonly level: number;
  readonly at: number;
  readonly by: string;
}

/**
 * A fleet for model-based and exhaustive runs: real nodes and coordinators
 * on a memory control plane (optionally wrapped to interleave calls), with
 * processes that can be cut off from the control plane, crash, or restart
 * under the same node id, and the frames every process wrote. Its
 * {@link ModelFleet.violations} states the safety promise.
 */
export class ModelFleet {
  readonly clock = new FakeClock();
  readonly store = new MemoryControlPlane({ clock: this.clock.now, beatTtlMs: 60_000 });
  readonly plane: ControlPlane;
  readonly coordinators: readonly Coordinator[];
  readonly processes: Process[] = [];
  /** A coordinator on the store itself, for judging (it never waits for a scheduler). */
  readonly judge: Coordinator;
  readonly written: Written[] = [];

  constructor(wrap: (plane: ControlPlane) => ControlPlane = (plane) => plane, coordinators = 2) {
    this.plane = wrap(this.store);
    this.coordinators = Array.from({ length: coordinators }, () => new Coordinator(this.plane, { clock: this.clock.now, clockMarginMs: 5_000 }));
    this.judge = new Coordinator(this.store, { clock: this.clock.now, clockMarginMs: 5_000 });
  }

  /** Starts a process of `nodeId` on `build` (another process of the same id may run: an overlapping restart). */
  async start(nodeId: string, build: BuildId, through: ControlPlane = this.plane): Promise<void> {
    const gate = new FollowGate();
    const process: { partitioned: boolean } = { partitioned: false };
    const plane = hookedControlPlane(through, {
      beforeCall: () => {
        if (process.partitioned) throw new Error("partitioned");
      },
      followGate: gate,
    });
    const node = await startNode({
      controlPlane: plane,
      protocol: protocolOf(build),
      nodeId,
      service: "orders",
      build,
      heartbeatMs: 1e9,
      leaseMs: LEASE_MS,
      clock: this.clock.now,
    });
    this.processes.push(Object.assign(process, { nodeId, build, node, gate }));
  }

  /** The processes of `nodeId`, oldest first. */
  of(nodeId: string): Process[] {
    return this.processes.filter((process) => process.nodeId === nodeId);
  }

  /** Stops the oldest process of `nodeId` cleanly. */
  async stop(nodeId: string): Promise<void> {
    const process = this.of(nodeId)[0];
    if (process === undefined) return;
    this.processes.splice(this.processes.indexOf(process), 1);
    await process.node.stop();
  }

  /** The oldest process of `nodeId` dies: it stops heartbeating, never leaves, and receives nothing more. */
  crash(nodeId: string): void {
    const process = this.of(nodeId)[0];
    if (process !== undefined) this.processes.splice(this.processes.indexOf(process), 1);
  }

  /** Cuts the oldest process of `nodeId` off the control plane, or heals it. */
  partition(nodeId: string, cut: boolean): void {
    const process = this.of(nodeId)[0];
    if (process === undefined) return;
    process.partitioned = cut;
    if (cut) process.gate.hold();
    else process.gate.release();
  }

  /** Every process sends a heartbeat (those cut off fail to). */
  async heartbeat(): Promise<void> {
    await Promise.all(this.processes.map((process) => process.node.heartbeat()));
  }

  /** Every process that may write writes a few frames, with keys and without; the levels are recorded. */
  write(): string[] {
    const problems: string[] = [];
    for (const process of this.processes) {
      for (const level of levelsWritten(process.node)) {
        if (!reads(process.build, level)) problems.push(`${process.nodeId} (${process.build}) writes v${level}, which its own build cannot read`);
        this.written.push({ level, at: this.clock.now(), by: process.nodeId });
      }
    }
    return problems;
  }

  /**
   * The safety promise, checked now: every process that runs (cut off or
   * not) reads every level written within the drain window (frames still in
   * flight or stored), and every level a process may write now is still
   * required by the store's record (no level left the required set while
   * someone may write it); and no member's build misses a level the store's
   * record has committed.
   */
  async violations(): Promise<string[]> {
    const problems: string[] = [];
    const now = this.clock.now();
    const inFlight = new Set(this.written.filter((frame) => now - frame.at < DRAIN_MS).map((frame) => frame.level));
    // A process decommissioned (after its lease surely ran out) is no longer a member: it writes nothing, and the promise no longer covers it.
    const status = await this.judge.status(TYPE);
    const members = new Set(status.members.map((member) => member.incarnation));
    for (const process of this.processes) {
      if (!members.has(process.node.incarnation)) continue;
      for (const level of inFlight)
        if (!reads(process.build, level)) problems.push(`${process.nodeId} (${process.build}) runs while v${level} frames may reach it`);
    }
    const record = status.capabilities[0]?.record ?? null;
    const required = new Set(record === null ? [] : requiredLevels(record));
    for (const process of this.processes) {
      if (!members.has(process.node.incarnation)) continue;
      for (const level of record === null ? [] : committedLevels(record)) {
        if (!reads(process.build, level)) problems.push(`${process.nodeId} (${process.build}) is a member while v${level} is committed`);
      }
    }
    for (const process of this.processes) {
      for (const level of levelsWritten(process.node)) {
        if (!required.has(level)) problems.push(`${process.nodeId} may write v${level}, which the store no longer requires (${[...required].join(",")})`);
        for (const other of this.processes) {
          if (members.has(other.node.incarnation) && !reads(other.build, level))
            problems.push(`${process.nodeId} may write v${level}, which ${other.nodeId} (${other.build}) cannot read`);
        }
      }
    }
    return problems;
  }

  /** Stops every process still running. */
  async close(): Promise<void> {
    for (const process of this.processes.splice(0)) {
      process.partitioned = false;
      await process.node.stop().catch(() => {});
    }
  }
}

/**
 * The levels `node` writes frames at now, with keys and without (a key it
 * cannot write is left out), each counted as written by the node; none
 * while it is fenced. Any other error is thrown.
 */
function levelsWritten(node: FleetNode): number[] {
  const levels: number[] = [];
  for (const key of ["k1", "k2", "k3", undefined, undefined]) {
    try {
      levels.push(node.writeLevel(TYPE, key === undefined ? {} : { key }));
    } catch (error) {
      // A fence is checked before any key is looked at: the other keys would be refused alike.
      if (isTwostepError(error, FleetErrorCode.Fenced)) break;
      if (!isTwostepError(error, "CANNOT_WRITE_VERSION")) throw error;
    }
  }
  return levels;
}

/** True for the refusals a correct system may answer with (and a cut-off node's failed calls). */
export function isRefusal(error: unknown): boolean {
  return (isTwostepError(error) && REFUSALS.has(error.code)) || (error instanceof Error && error.message === "partitioned");
}

/** Runs `operation`, taking the refusals a correct system may answer with. */
export async function tolerate(operation: Promise<unknown>): Promise<void> {
  try {
    await operation;
  } catch (error) {
    if (!isRefusal(error)) throw error;
  }
}
