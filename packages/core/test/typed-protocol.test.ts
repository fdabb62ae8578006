import { CoreErrorCode, defineMessageType, defineProtocol, zodCodec } from "@twostep/core";
import Long from "long";
import { describe, expect, test } from "vitest";
import { z } from "zod";
import { billing } from "./support/billing.js";
import { expectTwostepError } from "./support/expect-error.js";

const { protocol } = billing;

describe("a protocol typed by generated shapes", () => {
  test("encode takes the newest shape and writes any version; decode names the type and upgrades to the newest", () => {
    const invoice = { invoiceId: "inv-1", customerId: "c-7", total: { currencyCode: "USD", units: 12 }, lines: [{ sku: "tea", quantity: 2 }], note: "thanks" };
    for (const version of [1, 2, 3]) {
      const decoded = protocol.decode(protocol.encode("billing.InvoiceIssued", invoice, version));
      expect(decoded.name).toBe("billing.InvoiceIssued");
      expect(decoded.version).toBe(version);
      if (decoded.name !== "billing.InvoiceIssued") throw new Error("narrowed by name");
      expect(decoded.value.invoiceId).toBe("inv-1");
      expect(String(decoded.value.total?.units)).toBe("12");
      if (decoded.version === 1) expect(Long.isLong(decoded.wire.amountCents) && decoded.wire.amountCents.toString()).toBe("1200");
    }
  });

  test("json versions encode and decode through their zod schemas", () => {
    const decoded = protocol.decode(protocol.encode("billing.ReminderSent", { invoiceId: "inv-1", daysLate: 3, channel: "letter" }, 1));
    expect(decoded).toMatchObject({ name: "billing.ReminderSent", version: 1, wire: { invoiceId: "inv-1", daysLate: 3 } });
    expect(decoded.value).toEqual({ invoiceId: "inv-1", daysLate: 3, channel: "email" });
  });

  test("encoding an unknown name at run time (from JavaScript) is an UNKNOWN_TYPE error", () => {
    const fromJavaScript = protocol.encode as (name: string, value: unknown) => Uint8Array;
    expectTwostepError(() => fromJavaScript.call(protocol, "billing.Nope", {}), CoreErrorCode.UnknownType, /billing\.Nope/);
  });
});

test("defineProtocol of typed message types is typed, and works the same", () => {
  const v1 = z.strictObject({ id: z.string() });
  const v2 = v1.extend({ tags: z.array(z.string()) });
  const type = defineMessageType({
    name: "notes.NoteTaken",
    id: 9,
    versions: [
      { version: 1, codec: zodCodec(v1) },
      { version: 2, codec: zodCodec(v2), upgrade: (old) => ({ ...old, tags: [] }), downgrade: ({ tags: _, ...old }) => old },
    ],
  });
  const notes = defineProtocol({ types: [type] });
  const decoded = notes.decode(notes.encode("notes.NoteTaken", { id: "n", tags: ["a"] }, 1));
  expect(decoded).toMatchObject({ name: "notes.NoteTaken", version: 1, wire: { id: "n" }, value: { id: "n", tags: [] } });
});
