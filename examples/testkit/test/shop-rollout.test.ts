import { withMigration } from "@twostep/example-testkit";
import { loadShopBuilds, upgradeOrderPlaced, type Money, type OrderPlacedV1 } from "@twostep/example-shop";
import { RolloutCheckError, splitWorldProperty, upgradeDowngradeSuite, type StepContext } from "@twostep/testkit";
import fc from "fast-check";
import Long from "long";
import { describe, expect, test } from "vitest";

// The build in production reads and writes orders.OrderPlaced v1 only; the
// one to ship adds v2 (an amount in any currency) with its migrations.
const { previous: old, current } = loadShopBuilds();

/** An order's amount as `USD 12.340000000`, whichever version's shape it has. */
function amount(order: { amountCents?: Long | number | null; total?: Money | null }): string {
  if ("total" in order || !("amountCents" in order)) {
    const total = order.total ?? { currencyCode: "", units: 0, nanos: 0 };
    return `${total.currencyCode || "USD"} ${Long.fromValue(total.units ?? 0).toString()}.${String(total.nanos ?? 0).padStart(9, "0")}`;
  }
  const cents = Long.fromValue(order.amountCents ?? 0);
  return `USD ${cents.div(100).toString()}.${String(cents.mod(100).toInt() * 10_000_000).padStart(9, "0")}`;
}

/** The functional check: every order arrives with the amount it was sent with, whatever version carried it. */
function amountsArriveIntact({ decoded }: StepContext): void {
  for (const delivery of decoded) {
    if (delivery.type !== "orders.OrderPlaced") continue;
    expect(amount(delivery.value as OrderPlacedV1), `${delivery.sender} -> ${delivery.receiver} at v${delivery.version}`).toBe(
      amount(delivery.sent as OrderPlacedV1),
    );
  }
}

describe("shipping orders.OrderPlaced v2", () => {
  test("survives upgrade, writer ramp, rollback and downgrade without losing a message", async () => {
    const report = await upgradeDowngradeSuite({ old, new: current, nodes: 3, check: amountsArriveIntact });
    const enabled = report.steps.find((step) => step.step === "enable-writer");
    expect(enabled?.decoded["orders.OrderPlaced"]?.[2]).toBeGreaterThan(0);
  });

  test("holds in a split world, whatever mix of builds fast-check deploys", async () => {
    await fc.assert(splitWorldProperty({ builds: { old, new: current } }), { numRuns: 10 });
  });

  test("a broken migration fails the suite at the step where it first matters, with the frame", async () => {
    // The bug: cents beyond whole dollars become nanos with 10^6 instead of 10^7.
    const broken = withMigration(current, "orders.OrderPlaced", 2, {
      upgrade: (v1: OrderPlacedV1) => {
        const cents = Long.fromValue(v1.amountCents ?? 0);
        return { ...upgradeOrderPlaced(v1), total: { currencyCode: "USD", units: cents.div(100), nanos: cents.mod(100).toInt() * 1_000_000 } };
      },
    });
    const run = upgradeDowngradeSuite({ old, new: broken, nodes: 3, check: amountsArriveIntact, seed: 2024 });
    await expect(run).rejects.toBeInstanceOf(RolloutCheckError);
    await expect(run).rejects.toMatchObject({ step: "upgrade-one", kind: "lossy-migration", type: "orders.OrderPlaced", version: 1, seed: 2024 });
    // What the report says, as a test run prints it:
    //   rollout check failed at step "upgrade-one" (lossy-migration): node-1 wrote a generated v1 value that did not survive its own migrations
    //     sender:   node-1 (build new)
    //     type:     orders.OrderPlaced v1
    //     frame:    8701011208f0a49182f3a399a91888e4c7a584c0f88a25220f0a07f28aa89ee8...
    //     error:    Error: orders.OrderPlaced v1 -> v2 -> v1, declared lossless, changed the value: $.amountCents: "2672290444694647341" became "2672290444694647304"
    //     and 26 more failures in this step
    //     replay:   pass { seed: 2024 } to generate the same values
    await expect(run).rejects.toThrow(/rollout check failed at step "upgrade-one" \(lossy-migration\)[\s\S]*frame: {4}870101/);
  });
});
