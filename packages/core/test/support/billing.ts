import { fileURLToPath } from "node:url";
import type { ProtocolBindings } from "@twostep/core";
import { loadProtocol, type LoadedProtocol } from "@twostep/core/node";
import Long from "long";
import type {
  BillingProtocol,
  InvoiceIssuedV1,
  InvoiceIssuedV1Input,
  InvoiceIssuedV2,
  InvoiceIssuedV2Input,
  InvoiceIssuedV3,
  InvoiceIssuedV3Input,
  ReminderSentV1,
  ReminderSentV2,
} from "../fixtures/billing/generated/billing-protocol.js";
import { ReminderSentV1 as ReminderSentV1Schema, ReminderSentV2 as ReminderSentV2Schema } from "../fixtures/billing/reminder-sent.js";

/** The billing fixture's manifest: `billing.InvoiceIssued` v1..v3 (protobuf), `billing.ReminderSent` v1..v2 (json). */
export const billingManifestPath = fileURLToPath(new URL("../fixtures/billing/twostep.json", import.meta.url));

/** v1 -> v2: cents become a USD total. */
export function upgradeInvoiceV2(v1: InvoiceIssuedV1): InvoiceIssuedV2 {
  return { invoiceId: v1.invoiceId, customerId: v1.customerId, total: { currencyCode: "USD", units: v1.amountCents.div(100), nanos: 0 } };
}

/** v2 -> v1: the total's units become cents. */
export function downgradeInvoiceV2(v2: InvoiceIssuedV2Input): InvoiceIssuedV1Input {
  return { invoiceId: v2.invoiceId, customerId: v2.customerId, amountCents: Long.fromValue(v2.total?.units ?? 0).mul(100) };
}

/** v2 -> v3: no lines, no note. */
export function upgradeInvoiceV3(v2: InvoiceIssuedV2): InvoiceIssuedV3 {
  return { ...v2, lines: [], note: null };
}

/** v3 -> v2: lines and note are dropped. */
export function downgradeInvoiceV3({ invoiceId, customerId, total }: InvoiceIssuedV3Input): InvoiceIssuedV2Input {
  return { invoiceId, customerId, total };
}

/** The migrations and zod schemas of the billing fixture. */
export const billingBindings: ProtocolBindings<BillingProtocol> = {
  "billing.InvoiceIssued": {
    2: { upgrade: upgradeInvoiceV2, downgrade: downgradeInvoiceV2 },
    3: { upgrade: upgradeInvoiceV3, downgrade: downgradeInvoiceV3 },
  },
  "billing.ReminderSent": {
    1: { schema: ReminderSentV1Schema },
    2: {
      schema: ReminderSentV2Schema,
      upgrade: (v1: ReminderSentV1): ReminderSentV2 => ({ ...v1, channel: "email" }),
      downgrade: ({ channel: _, ...v1 }) => v1,
    },
  },
};

/** Loads the billing fixture with `bindings`, typed by the generated {@link BillingProtocol}. */
export function loadBilling(bindings: ProtocolBindings<BillingProtocol> = billingBindings): LoadedProtocol<BillingProtocol> {
  return loadProtocol<BillingProtocol>(billingManifestPath, { bindings });
}

/** The billing fixture, loaded once per test file. */
export const billing = loadBilling();
