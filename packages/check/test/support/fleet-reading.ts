import { defineMessageType, defineProtocol, zodCodec } from "@twostep/core";
import { type ControlPlane, Coordinator, type FleetNode, MemoryControlPlane, startNode } from "@twostep/fleet";
import { expect, vi } from "vitest";
import { z } from "zod";

const payload = z.strictObject({ id: z.string() });

/** The capability the fleets of this file read and write. */
const ORDERS = "orders.OrderPlaced";

/** The heartbeat TTL of the control planes made here: past the day-long lease of {@link startShopNodes}. */
export const LONG_BEAT_TTL_MS = 2 * 86_400_000;

/** Who makes the changes of {@link writeThenRetire}. */
const RELEASE_MANAGER = { actor: "release-manager", reason: "test" } as const;

/** The levels of orders.OrderPlaced a fleet wrote, in turn, and then retired. */
export interface WrittenLevels {
  readonly written: readonly number[];
  readonly retired?: readonly number[];
}

/**
 * A fleet of shop nodes, each reading and writing orders.OrderPlaced v1 up
 * to the version given, as builds do: real nodes on a memory control plane.
 * They send a heartbeat when they join and none after (no timers left
 * behind); the coordinator counts them whatever their state.
 */
export async function fleetReading(readsUpTo: Readonly<Record<string, number>>): Promise<MemoryControlPlane> {
  const plane = new MemoryControlPlane({ beatTtlMs: LONG_BEAT_TTL_MS });
  await startShopNodes(plane, readsUpTo);
  return plane;
}

/** A {@link fleetReading} fleet that wrote and retired the levels of orders.OrderPlaced that `levels` says ({@link writeThenRetire}). */
export async function fleetThatWrote(readsUpTo: Readonly<Record<string, number>>, levels: WrittenLevels): Promise<MemoryControlPlane> {
  const plane = new MemoryControlPlane({ beatTtlMs: LONG_BEAT_TTL_MS });
  await writeThenRetire(plane, await startShopNodes(plane, readsUpTo), levels);
  return plane;
}

/**
 * Starts the shop nodes of {@link fleetReading} on `plane`, with a lease of
 * a day: they stay live for the coordinator however slowly a test runs
 * (`plane` keeps heartbeats longer: {@link LONG_BEAT_TTL_MS}).
 */
export async function startShopNodes(plane: ControlPlane, readsUpTo: Readonly<Record<string, number>>): Promise<FleetNode[]> {
  const nodes: FleetNode[] = [];
  for (const [nodeId, max] of Object.entries(readsUpTo)) {
    const versions = Array.from({ length: max }, (_, index) => ({
      version: index + 1,
      codec: zodCodec(payload),
      upgrade: (value: unknown) => value,
      downgrade: (value: unknown) => value,
    }));
    const protocol = defineProtocol({ types: [defineMessageType({ name: ORDERS, id: 1, versions })] });
    nodes.push(await startNode({ controlPlane: plane, protocol, nodeId, service: "shop", build: `reads-v${max}`, heartbeatMs: 1e9, leaseMs: 86_400_000 }));
  }
  return nodes;
}

/**
 * Enables orders.OrderPlaced at each level of `levels.written` in turn, then
 * retires each of `levels.retired`, through the coordinator as a release
 * manager does: with a drain window of 0, once every node applied the move
 * off the level and said so in a heartbeat.
 */
export async function writeThenRetire(plane: ControlPlane, nodes: readonly FleetNode[], levels: WrittenLevels): Promise<void> {
  const coordinator = new Coordinator(plane);
  for (const level of levels.written) await coordinator.change(ORDERS, { kind: "enable-write", level }, RELEASE_MANAGER);
  const retired = levels.retired ?? [];
  if (retired.length === 0) return;
  await coordinator.change(ORDERS, { kind: "policy", drainWindowMs: 0 }, RELEASE_MANAGER);
  for (const level of retired) {
    const request = { kind: "retire", level } as const;
    await vi.waitFor(
      async () => {
        await Promise.all(nodes.map((node) => node.heartbeat()));
        const plan = await coordinator.change(ORDERS, request, RELEASE_MANAGER, { dryRun: true });
        expect([...plan.blockers.map((blocker) => blocker.detail), ...plan.problems]).toEqual([]);
      },
      { timeout: 30_000, interval: 10 },
    );
    await coordinator.change(ORDERS, request, RELEASE_MANAGER);
  }
}
