export { loadShopProtocol, shopBindings, shopManifestPath } from "./shop-protocol.js";
export { loadShopBuilds } from "./shop-builds.js";
export type { ShopBuilds } from "./shop-builds.js";
export { downgradeOrderPlaced, upgradeOrderPlaced } from "./order-placed.js";
export type { LineItem, Money, OrderPlacedV1, OrderPlacedV2 } from "./order-placed.js";
export {
  CustomerUpdatedV1,
  CustomerUpdatedV2,
  downgradeCustomerUpdated,
  upgradeCustomerUpdated,
} from "./customer-updated.js";
