import { fileURLToPath } from "node:url";
import type { ProtocolBindings } from "@twostep/core";
import { loadProtocol, type LoadedProtocol } from "@twostep/core/node";
import { CustomerUpdatedV1, CustomerUpdatedV2, downgradeCustomerUpdated, upgradeCustomerUpdated } from "./customer-updated.js";
import { downgradeOrderPlaced, upgradeOrderPlaced } from "./order-placed.js";

/** Path of the shop protocol's manifest, `schemas/twostep.json`. */
export const shopManifestPath = fileURLToPath(new URL("../../../schemas/twostep.json", import.meta.url));

/** The migrations and zod schemas of the shop protocol, attached in code. */
export const shopBindings: ProtocolBindings = {
  "orders.OrderPlaced": {
    2: { upgrade: upgradeOrderPlaced, downgrade: downgradeOrderPlaced, lossless: true },
  },
  "customers.CustomerUpdated": {
    1: { schema: CustomerUpdatedV1 },
    2: { schema: CustomerUpdatedV2, upgrade: upgradeCustomerUpdated, downgrade: downgradeCustomerUpdated, lossless: true },
  },
};

/** Loads the shop protocol from `schemas/` (or another manifest path). */
export function loadShopProtocol(manifestPath: string = shopManifestPath): LoadedProtocol {
  return loadProtocol(manifestPath, { bindings: shopBindings });
}
