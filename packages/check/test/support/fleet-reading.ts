import { MemoryControlPlane } from "@twostep/fleet";

/** A fleet of shop nodes, each reading and writing orders.OrderPlaced v1 up to the version given, as builds do. */
export async function fleetReading(readsUpTo: Readonly<Record<string, number>>): Promise<MemoryControlPlane> {
  const plane = new MemoryControlPlane();
  const now = plane.now();
  for (const [nodeId, max] of Object.entries(readsUpTo)) {
    await plane.putMember({ nodeId, service: "shop", build: `reads-v${max}`, joinedAt: now });
    await plane.putAdvertisement({
      nodeId,
      service: "shop",
      build: `reads-v${max}`,
      capabilities: { "orders.OrderPlaced": { reads: { min: 1, max }, writes: { min: 1, max } } },
      startedAt: now,
      heartbeatAt: now,
      counters: {},
    });
  }
  return plane;
}
