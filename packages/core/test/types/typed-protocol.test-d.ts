// Type-level tests of the typed protocol, compiled by `tsc -p
// tsconfig.test.json` (part of `npm test`): what must compile has its types
// checked with expectTypeOf, what must not is marked with an expect-error
// directive (unused directives are errors). The five mistakes of issue 13
// are in mistakes.test-d.ts.
import {
  type DecodedFrame,
  defineMessageType,
  defineProtocol,
  type Long,
  type MessageType,
  type Protocol,
  type ProtocolFrame,
  type ProtocolInput,
  type ProtocolTypeName,
  zodCodec,
} from "@twostep/core";
import { loadProtocol } from "@twostep/core/node";
import { expectTypeOf } from "vitest";
import { z } from "zod";
import type {
  BillingProtocol,
  InvoiceIssuedV1,
  InvoiceIssuedV2,
  InvoiceIssuedV3,
  InvoiceIssuedV3Input,
  ReminderSentV1,
  ReminderSentV2,
} from "../fixtures/billing/generated/billing-protocol.js";
import type { KitchenSinkProtocol } from "../fixtures/kitchen-sink/generated/kitchen-sink-protocol.js";
import { billing, billingBindings, billingManifestPath } from "../support/billing.js";
import { kitchenSinkManifestPath } from "../support/kitchen-sink.js";

const { protocol } = billing;

export function generatedShapes(): void {
  // 64-bit integers are Long once decoded, and take a Long, a number or a decimal string to encode.
  expectTypeOf<InvoiceIssuedV1["amountCents"]>().toEqualTypeOf<Long>();
  expectTypeOf<NonNullable<InvoiceIssuedV2["total"]>["units"]>().toEqualTypeOf<Long>();
  expectTypeOf<NonNullable<InvoiceIssuedV3Input["total"]>["units"]>().toEqualTypeOf<Long | number | string | null | undefined>();
  // An absent message decodes as null; a proto3 `optional` scalar too.
  expectTypeOf<InvoiceIssuedV3["total"]>().toEqualTypeOf<InvoiceIssuedV2["total"]>();
  expectTypeOf<InvoiceIssuedV3["note"]>().toEqualTypeOf<string | null>();
  // json versions are z.infer of their zod schemas.
  expectTypeOf<ReminderSentV2>().toEqualTypeOf<{ invoiceId: string; daysLate: number; channel: "email" | "letter" }>();
}

export function bindings(): void {
  // A protocol with migrations or zod schemas needs its bindings, all of them.
  // @ts-expect-error: no bindings for a protocol that needs them
  loadProtocol<BillingProtocol>(billingManifestPath);
  // @ts-expect-error: billing.ReminderSent's bindings are missing
  loadProtocol<BillingProtocol>(billingManifestPath, { bindings: { "billing.InvoiceIssued": billingBindings["billing.InvoiceIssued"] } });
  loadProtocol<BillingProtocol>(billingManifestPath, {
    bindings: {
      ...billingBindings,
      // @ts-expect-error: a type the manifest does not declare
      "billing.Gone": {},
    },
  });
  // One version of protobuf types only: nothing to bind.
  loadProtocol<KitchenSinkProtocol>(kitchenSinkManifestPath, { bindings: {} });
}

export function encode(): void {
  expectTypeOf(protocol.encode).toBeCallableWith("billing.InvoiceIssued", { invoiceId: "i", total: { currencyCode: "EUR", units: 12 } });
  expectTypeOf(protocol.encode).toBeCallableWith("billing.ReminderSent", { invoiceId: "i", daysLate: 3, channel: "letter" });
  // A decoded newest value can be encoded again.
  const decoded = {} as InvoiceIssuedV3;
  protocol.encode("billing.InvoiceIssued", decoded);
  expectTypeOf(protocol.type("billing.InvoiceIssued").encode).parameter(0).toEqualTypeOf<InvoiceIssuedV3Input>();
  // @ts-expect-error: a json version's schema requires channel
  protocol.encode("billing.ReminderSent", { invoiceId: "i", daysLate: 3 });
  // @ts-expect-error: no such type
  protocol.encode("billing.InvoiceIsued", {});
  // @ts-expect-error: units is a Long, a number or a decimal string, not a bigint (protobufjs would write 0)
  protocol.encode("billing.InvoiceIssued", { total: { units: 5n } });
}

export function decode(frame: Uint8Array): void {
  const decoded = protocol.decode(frame);
  expectTypeOf(decoded.name).toEqualTypeOf<"billing.InvoiceIssued" | "billing.ReminderSent">();
  if (decoded.name === "billing.InvoiceIssued") {
    expectTypeOf(decoded.value).toEqualTypeOf<InvoiceIssuedV3>();
    expectTypeOf(decoded.wire).toEqualTypeOf<InvoiceIssuedV1 | InvoiceIssuedV2 | InvoiceIssuedV3>();
    expectTypeOf(decoded.version).toEqualTypeOf<1 | 2 | 3>();
    if (decoded.version === 1) expectTypeOf(decoded.wire).toEqualTypeOf<InvoiceIssuedV1>();
  } else {
    expectTypeOf(decoded.value).toEqualTypeOf<ReminderSentV2>();
    expectTypeOf(decoded.wire).toEqualTypeOf<ReminderSentV1 | ReminderSentV2>();
  }
}

export function untyped(untypedProtocol: Protocol, frame: Uint8Array): void {
  // A protocol built at run time (or used from JavaScript) stays untyped: any name, unknown values.
  expectTypeOf(untypedProtocol.decode(frame)).toEqualTypeOf<DecodedFrame<unknown, unknown, string, number>>();
  expectTypeOf(untypedProtocol.type("any.Name").encode).parameter(0).toEqualTypeOf<unknown>();
  expectTypeOf(untypedProtocol.type(7)).toEqualTypeOf<MessageType<unknown>>();
  untypedProtocol.encode("any.Name", { anything: true });
  // A typed protocol is still a Protocol, for code that takes any.
  expectTypeOf(protocol).toExtend<Protocol>();
}

/** How a fleet node generic in its protocol can key `encode` by name: what `FleetNode<P extends Protocol>` can adopt. */
declare class TypedNode<P extends Protocol> {
  readonly protocol: P;
  encode<N extends ProtocolTypeName<P>>(type: N, value: ProtocolInput<P, N>): Uint8Array;
  decode(frame: Uint8Array): ProtocolFrame<P> | undefined;
}

export function nodeKeyedByName(node: TypedNode<typeof protocol>, untypedNode: TypedNode<Protocol>, frame: Uint8Array): void {
  node.encode("billing.ReminderSent", { invoiceId: "i", daysLate: 1, channel: "email" });
  // @ts-expect-error: the v1 shape where v2 is expected
  node.encode("billing.ReminderSent", { invoiceId: "i", daysLate: 1 });
  // @ts-expect-error: a typo in the type name
  node.encode("billing.ReminderSnt", { invoiceId: "i", daysLate: 1, channel: "email" });
  expectTypeOf(node.decode(frame)).toEqualTypeOf<ProtocolFrame<typeof protocol> | undefined>();
  untypedNode.encode("whatever", 42);
  expectTypeOf<ProtocolInput<Protocol, string>>().toEqualTypeOf<unknown>();
}

const v1 = z.strictObject({ id: z.string(), cents: z.number().int() });
const v2 = z.strictObject({ id: z.string(), total: z.strictObject({ cents: z.number().int(), currency: z.string() }) });
const v3 = v2.extend({ note: z.string() });

export function definedInCode(): void {
  const orders = defineMessageType({
    name: "orders.OrderPlaced",
    id: 1,
    versions: [
      { version: 1, codec: zodCodec(v1) },
      // Inline migrations get their parameters typed from the neighbouring codecs.
      {
        version: 2,
        codec: zodCodec(v2),
        upgrade: (old) => ({ id: old.id, total: { cents: old.cents, currency: "EUR" } }),
        downgrade: (cur) => ({ id: cur.id, cents: cur.total.cents }),
      },
      { version: 3, codec: zodCodec(v3), upgrade: (old) => ({ ...old, note: "" }), downgrade: ({ note: _, ...old }) => old },
    ],
  });
  expectTypeOf(orders.name).toEqualTypeOf<"orders.OrderPlaced">();
  expectTypeOf(orders.encode).parameter(0).toEqualTypeOf<z.input<typeof v3>>();
  const protocol = defineProtocol({ types: [orders] });
  const decoded = protocol.decode(new Uint8Array());
  expectTypeOf(decoded.value).toEqualTypeOf<z.output<typeof v3>>();
  if (decoded.version === 1) expectTypeOf(decoded.wire).toEqualTypeOf<z.output<typeof v1>>();
  protocol.encode("orders.OrderPlaced", { id: "o", total: { cents: 1, currency: "EUR" }, note: "" });
  // @ts-expect-error: the v1 shape where v3 is expected
  protocol.encode("orders.OrderPlaced", { id: "o", cents: 1 });

  defineMessageType({
    name: "orders.OrderPlaced",
    id: 1,
    versions: [
      { version: 1, codec: zodCodec(v1) },
      // @ts-expect-error: an upgrade returning a number
      { version: 2, codec: zodCodec(v2), upgrade: () => 42, downgrade: (cur) => ({ id: cur.id, cents: cur.total.cents }) },
    ],
  });
  const upgradeToV3 = (old: z.output<typeof v2>): z.output<typeof v3> => ({ ...old, note: "" });
  const downgradeFromV3 = ({ note: _, ...old }: z.output<typeof v3>): z.output<typeof v2> => old;
  defineMessageType({
    name: "orders.OrderPlaced",
    id: 1,
    versions: [
      { version: 1, codec: zodCodec(v1) },
      // @ts-expect-error: v3's migrations at v2
      { version: 2, codec: zodCodec(v2), upgrade: upgradeToV3, downgrade: downgradeFromV3 },
    ],
  });
  defineMessageType({
    name: "orders.OrderPlaced",
    id: 1,
    versions: [
      { version: 1, codec: zodCodec(v1) },
      // @ts-expect-error: a version above the lowest without its migrations
      { version: 2, codec: zodCodec(v2) },
    ],
  });
}
