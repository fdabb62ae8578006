import Long from "long";
import type { OrderPlacedV1, OrderPlacedV1Input, OrderPlacedV2, OrderPlacedV2Input, Shop_MoneyInput } from "./generated/shop-protocol.js";

const NANOS_PER_CENT = 10_000_000;
const INT64_MAX = BigInt(Long.MAX_VALUE.toString());

/** v1 -> v2: cents become units and nanos of USD. Exact over all of int64. */
export function upgradeOrderPlaced(v1: OrderPlacedV1): OrderPlacedV2 {
  const cents = Long.fromValue(v1.amountCents);
  return {
    orderId: v1.orderId,
    customerId: v1.customerId,
    items: v1.items,
    total: { currencyCode: "USD", units: cents.div(100), nanos: cents.mod(100).toInt() * NANOS_PER_CENT },
  };
}

/**
 * v2 -> v1: units and nanos of USD become cents (fractions of a cent are
 * cut). Throws for other currencies, which v1 cannot carry: keep writing v2.
 */
export function downgradeOrderPlaced(v2: OrderPlacedV2Input): OrderPlacedV1Input {
  const total = v2.total ?? {};
  const currency = total.currencyCode ?? "";
  if (currency !== "USD" && !(currency === "" && isZero(total))) {
    throw new Error(`v1 carries USD only, this order is in ${JSON.stringify(currency)}`);
  }
  // Exact in BigInt, then range-checked: the cents of the largest units plus their nanos may pass int64's end.
  const cents = BigInt(Long.fromValue(total.units ?? 0).toString()) * 100n + BigInt(Math.trunc((total.nanos ?? 0) / NANOS_PER_CENT));
  if (cents > INT64_MAX || cents < -INT64_MAX - 1n) {
    throw new Error(`${cents} cents do not fit in v1's int64 amount`);
  }
  return {
    orderId: v2.orderId,
    customerId: v2.customerId,
    items: v2.items,
    amountCents: Long.fromString(cents.toString()),
  };
}

function isZero(money: Shop_MoneyInput): boolean {
  return Long.fromValue(money.units ?? 0).isZero() && !money.nanos;
}
