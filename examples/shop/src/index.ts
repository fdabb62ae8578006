export { loadShopProtocol, shopBindings, shopManifestPath } from "./shop-protocol.js";
export { loadShopBuilds } from "./shop-builds.js";
export type { ShopBuilds } from "./shop-builds.js";
export { downgradeOrderPlaced, upgradeOrderPlaced } from "./order-placed.js";
export type {
  CustomerUpdatedV1Input,
  CustomerUpdatedV2Input,
  OrderPlacedV1,
  OrderPlacedV1Input,
  OrderPlacedV2,
  OrderPlacedV2Input,
  ShopOrdersV2_OrderPlaced_LineItem as LineItem,
  Shop_Money as Money,
  Shop_MoneyInput as MoneyInput,
  ShopProtocol,
} from "./generated/shop-protocol.js";
export {
  CustomerUpdatedV1,
  CustomerUpdatedV2,
  downgradeCustomerUpdated,
  upgradeCustomerUpdated,
} from "./customer-updated.js";
