// The five mistakes of issue 13, each of which compiled before the protocol
// was typed: now each must be a compile error, which `tsc -p
// tsconfig.test.json` (part of `npm test`) checks through the expect-error
// directives below (a directive that finds no error is an error itself).
// Only APIs that existed before typing are used, so the same file shows
// every directive unused on the untyped code.
import { billing, billingBindings, downgradeInvoiceV2, downgradeInvoiceV3, loadBilling, upgradeInvoiceV3 } from "../support/billing.js";

const invoices = billing.protocol.type("billing.InvoiceIssued");

export function mistakes(): void {
  // 1. A wrong value.
  // @ts-expect-error: { totally: "wrong" } is no billing.InvoiceIssued v3
  invoices.encode({ totally: "wrong" });

  // 2. The v1 shape where the newest (v3) is expected.
  // @ts-expect-error: amountCents is v1's; v3 has a total
  invoices.encode({ invoiceId: "inv-1", customerId: "c-7", amountCents: 1250 });

  // 3. A typo in the type name.
  // @ts-expect-error: there is no type billing.InvoiceIsued
  billing.protocol.type("billing.InvoiceIsued");

  // 4. A migration returning a number.
  loadBilling({
    ...billingBindings,
    "billing.InvoiceIssued": {
      // @ts-expect-error: upgrade must return a v2 value
      2: { upgrade: () => 42, downgrade: downgradeInvoiceV2 },
      3: { upgrade: upgradeInvoiceV3, downgrade: downgradeInvoiceV3 },
    },
  });

  // 5. v3's migrations bound at v2.
  loadBilling({
    ...billingBindings,
    "billing.InvoiceIssued": {
      // @ts-expect-error: v2 takes the migrations between v1 and v2
      2: { upgrade: upgradeInvoiceV3, downgrade: downgradeInvoiceV3 },
      3: { upgrade: upgradeInvoiceV3, downgrade: downgradeInvoiceV3 },
    },
  });
}
