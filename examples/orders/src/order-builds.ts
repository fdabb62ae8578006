import type { Protocol } from "@twostep/core";
import { loadShopBuilds } from "@twostep/example-shop";

/** The message type the example exchanges. */
export const ORDER_PLACED = "orders.OrderPlaced";

/** The NATS subject orders are published on. */
export const ORDERS_SUBJECT = "shop.orders.placed";

/** The names of the two builds a service can run: before and after `orders.OrderPlaced` v2 was added. */
export const BUILD_NAMES = ["previous", "current"] as const;

/** `previous` or `current`. */
export type BuildName = (typeof BUILD_NAMES)[number];

/** A build of the shop's services, as a node advertises it. */
export interface OrderBuild {
  readonly name: BuildName;
  /** Build id, as nodes advertise it and `twostep status` shows it. */
  readonly id: string;
  readonly protocol: Protocol;
}

const BUILD_IDS: Readonly<Record<BuildName, string>> = { previous: "shop@1.4.0", current: "shop@2.0.0" };

/**
 * The build called `name`, from the shop protocol in `schemas/`: `previous`
 * reads and writes only v1 of `orders.OrderPlaced`, `current` reads and
 * writes v1 and v2.
 */
export function orderBuild(name: BuildName): OrderBuild {
  return { name, id: BUILD_IDS[name], protocol: loadShopBuilds()[name] };
}

/** True for `previous` and `current`. */
export function isBuildName(name: string): name is BuildName {
  return (BUILD_NAMES as readonly string[]).includes(name);
}
