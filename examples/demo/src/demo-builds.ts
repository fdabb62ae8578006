import type { Protocol } from "@twostep/core";
import { loadShopBuilds } from "@twostep/example-shop";

/** A build of the orders service, as the demo deploys it. */
export interface DemoBuild {
  /** Build id, as nodes advertise it. */
  readonly id: string;
  readonly protocol: Protocol;
  /** One in how many v2 frames this build's writer corrupts (0: none). The injected fault of the bad canary. */
  readonly corruptsOneIn: number;
}

/** The three builds of the demo: v1 only, a v2 reader with a faulty v2 writer, and the fix. */
export interface DemoBuilds {
  readonly v1: DemoBuild;
  readonly faulty: DemoBuild;
  readonly fixed: DemoBuild;
}

/**
 * Builds the demo's builds from the shop protocol in `schemas/`: the old
 * build knows only v1 of `orders.OrderPlaced` (as its manifest did before v2
 * was added); the new ones read and write v1 and v2 with the real migrations.
 */
export function demoBuilds(): DemoBuilds {
  const { previous, current } = loadShopBuilds();
  return {
    v1: { id: "orders@1.4.0", protocol: previous, corruptsOneIn: 0 },
    faulty: { id: "orders@2.0.0", protocol: current, corruptsOneIn: 5 },
    fixed: { id: "orders@2.0.1", protocol: current, corruptsOneIn: 0 },
  };
}
