import type { CapabilitySupport } from "@twostep/fleet";
import { MemoryControlPlane } from "@twostep/fleet";

/** A clock that moves only when told to. */
export class FakeClock {
  #now = Date.UTC(2026, 0, 1, 10);
  readonly now = (): number => this.#now;
  advance(ms: number): void {
    this.#now += ms;
  }
}

/** A group of nodes to register: members with a heartbeat now (or none, for never-seen members). */
export interface NodeGroup {
  /** Node ids are `${prefix}${n}` for n from 1. */
  readonly prefix: string;
  readonly count: number;
  readonly service: string;
  readonly build: string;
  /** Per capability what the build reads and writes; default: orders.OrderPlaced v1..`reads`. */
  readonly capabilities?: Readonly<Record<string, CapabilitySupport>>;
  /** Highest level of orders.OrderPlaced it reads and writes, when `capabilities` is not given. */
  readonly reads?: number;
  /** Register the members without any heartbeat. */
  readonly neverSeen?: boolean;
}

/** A memory control plane on a fake clock, as a fleet's coordinator sees it. */
export function memoryFleet(): { plane: MemoryControlPlane; clock: FakeClock; add: (group: NodeGroup) => Promise<string[]> } {
  const clock = new FakeClock();
  const plane = new MemoryControlPlane({ clock: clock.now, advertisementTtlMs: 3_600_000 });
  const add = async (group: NodeGroup): Promise<string[]> => {
    const reads = group.reads ?? 1;
    const capabilities = group.capabilities ?? { "orders.OrderPlaced": { reads: { min: 1, max: reads }, writes: { min: 1, max: reads } } };
    const ids = Array.from({ length: group.count }, (_, index) => `${group.prefix}${index + 1}`);
    for (const nodeId of ids) {
      await plane.putMember({ nodeId, service: group.service, build: group.build, joinedAt: clock.now() });
      if (group.neverSeen === true) continue;
      await plane.putAdvertisement({
        nodeId,
        service: group.service,
        build: group.build,
        capabilities,
        startedAt: clock.now(),
        heartbeatAt: clock.now(),
        counters: {},
      });
    }
    return ids;
  };
  return { plane, clock, add };
}
