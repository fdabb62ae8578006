import { defineMessageType, defineProtocol, type Protocol } from "@twostep/core";
import { loadShopProtocol, shopManifestPath } from "./shop-protocol.js";

/** The shop protocol as two builds of a service see it, before and after `orders.OrderPlaced` v2 was added. */
export interface ShopBuilds {
  /** The old build: reads and writes only v1 of `orders.OrderPlaced`, as its manifest did before v2. */
  readonly previous: Protocol;
  /** The new build: the manifest in `schemas/`, reading and writing v1 and v2 with the real migrations. */
  readonly current: Protocol;
}

/**
 * Loads the shop protocol from `schemas/` (or another manifest path) and
 * derives the protocol of the build before it: the same types, with
 * `orders.OrderPlaced` cut back to v1.
 */
export function loadShopBuilds(manifestPath: string = shopManifestPath): ShopBuilds {
  const { protocol: current } = loadShopProtocol(manifestPath);
  const orders = current.type("orders.OrderPlaced");
  const v1 = orders.version(1);
  if (v1 === undefined) throw new Error("the shop manifest lost orders.OrderPlaced v1");
  const previous = defineProtocol({
    types: [defineMessageType({ name: orders.name, id: orders.id, versions: [v1] }), ...current.types.filter((type) => type !== orders)],
  });
  return { previous, current };
}
