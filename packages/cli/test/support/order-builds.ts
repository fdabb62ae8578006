import { defineMessageType, defineProtocol, zodCodec, type Protocol, type VersionDefinition } from "@twostep/core";
import { z } from "zod";

const v1 = z.strictObject({ orderId: z.string(), cents: z.number().int() });
const v2 = z.strictObject({ orderId: z.string(), total: z.strictObject({ cents: z.number().int(), currency: z.string() }) });

const orderPlacedV1 = { version: 1, codec: zodCodec(v1) };
const orderPlacedV2 = {
  version: 2,
  codec: zodCodec(v2),
  upgrade: (old: z.output<typeof v1>) => ({ orderId: old.orderId, total: { cents: old.cents, currency: "EUR" } }),
  downgrade: (value: z.output<typeof v2>) => ({ orderId: value.orderId, cents: value.total.cents }),
};

/** The builds of the orders service in these tests: the old one knows v1 of orders.OrderPlaced, the new one adds v2 (a total with a currency). */
export const builds = {
  old: { id: "orders@1.4.0", versions: [orderPlacedV1] },
  new: { id: "orders@2.0.0", versions: [orderPlacedV1, orderPlacedV2] },
} as const;

/** The protocol of a build. */
export function protocolOf(build: keyof typeof builds): Protocol {
  const versions: readonly VersionDefinition[] = builds[build].versions;
  return defineProtocol({ types: [defineMessageType({ name: "orders.OrderPlaced", id: 1, versions })] });
}
