import { defineMessageType, defineProtocol, zodCodec } from "@twostep/core";
import { MemoryControlPlane, startNode } from "@twostep/fleet";
import { z } from "zod";

const payload = z.strictObject({ id: z.string() });

/**
 * A fleet of shop nodes, each reading and writing orders.OrderPlaced v1 up
 * to the version given, as builds do: real nodes on a memory control plane.
 * They send a heartbeat when they join and none after (no timers left
 * behind); the coordinator counts them whatever their state.
 */
export async function fleetReading(readsUpTo: Readonly<Record<string, number>>): Promise<MemoryControlPlane> {
  const plane = new MemoryControlPlane();
  for (const [nodeId, max] of Object.entries(readsUpTo)) {
    const versions = Array.from({ length: max }, (_, index) => ({
      version: index + 1,
      codec: zodCodec(payload),
      upgrade: (value: unknown) => value,
      downgrade: (value: unknown) => value,
    }));
    const protocol = defineProtocol({ types: [defineMessageType({ name: "orders.OrderPlaced", id: 1, versions })] });
    await startNode({ controlPlane: plane, protocol, nodeId, service: "shop", build: `reads-v${max}`, heartbeatMs: 1e9 });
  }
  return plane;
}
