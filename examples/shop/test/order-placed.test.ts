import { downgradeOrderPlaced, upgradeOrderPlaced } from "@twostep/example-shop";
import Long from "long";
import { expect, test } from "vitest";

const order = { orderId: "o", customerId: "c", items: [] };

test("regression: downgrading the largest amounts refuses what overflows v1's int64 cents instead of wrapping", () => {
  const max = Long.MAX_VALUE;
  const atLimit = upgradeOrderPlaced({ ...order, amountCents: max });
  expect(Long.fromValue(downgradeOrderPlaced(atLimit).amountCents ?? 0).equals(max)).toBe(true);
  const units = max.div(100);
  expect(() => downgradeOrderPlaced({ ...order, total: { currencyCode: "USD", units, nanos: 990_000_000 } })).toThrow(/do not fit in v1's int64/);
  const min = upgradeOrderPlaced({ ...order, amountCents: Long.MIN_VALUE });
  expect(Long.fromValue(downgradeOrderPlaced(min).amountCents ?? 0).equals(Long.MIN_VALUE)).toBe(true);
});
