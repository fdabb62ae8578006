import { fileURLToPath } from "node:url";
import type { ProtocolBindings } from "@twostep/core";
import { loadProtocol, type LoadedProtocol } from "@twostep/core/node";
import { CustomerUpdatedV1, CustomerUpdatedV2, downgradeCustomerUpdated, upgradeCustomerUpdated } from "./customer-updated.js";
import type { ShopProtocol } from "./generated/shop-protocol.js";
import { downgradeOrderPlaced, upgradeOrderPlaced } from "./order-placed.js";

/** Path of the shop protocol's manifest, `schemas/twostep.json`. */
export const shopManifestPath = fileURLToPath(new URL("../../../schemas/twostep.json", import.meta.url));

// Checked against the generated shapes: a migration at the wrong step, or returning the wrong shape, does not compile.
const bindings: ProtocolBindings<ShopProtocol> = {
  "orders.OrderPlaced": {
    2: { upgrade: upgradeOrderPlaced, downgrade: downgradeOrderPlaced, lossless: true },
  },
  "customers.CustomerUpdated": {
    1: { schema: CustomerUpdatedV1 },
    2: { schema: CustomerUpdatedV2, upgrade: upgradeCustomerUpdated, downgrade: downgradeCustomerUpdated, lossless: true },
  },
};

/** The migrations and zod schemas of the shop protocol, attached in code; also readable by any type name, as tools that walk a manifest read them. */
export const shopBindings: ProtocolBindings<ShopProtocol> & ProtocolBindings = bindings;

/** Loads the shop protocol from `schemas/` (or another manifest path), typed by the generated {@link ShopProtocol}. */
export function loadShopProtocol(manifestPath: string = shopManifestPath): LoadedProtocol<ShopProtocol> {
  return loadProtocol<ShopProtocol>(manifestPath, { bindings });
}
