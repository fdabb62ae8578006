import { defineMessageType, defineProtocol, zodCodec, type Protocol, type VersionDefinition } from "@twostep/core";
import { z } from "zod";

/** The capability the reliability suite ramps: a JSON message type that gains a field with each version. */
export const SHIPMENT = "shipping.ShipmentBooked";

const v1 = z.strictObject({ id: z.string() });
const v2 = v1.extend({ carrier: z.string() });
const v3 = v2.extend({ etaDays: z.number().int().min(0) });

type V1 = z.output<typeof v1>;
type V2 = z.output<typeof v2>;
type V3 = z.output<typeof v3>;

/** A shipment in the newest shape. */
export type Shipment = V3;

const versions: readonly VersionDefinition[] = [
  { version: 1, codec: zodCodec(v1) },
  {
    version: 2,
    codec: zodCodec(v2),
    upgrade: (previous: V1): V2 => ({ ...previous, carrier: "unknown" }),
    downgrade: ({ carrier: _, ...rest }: V2): V1 => rest,
  },
  {
    version: 3,
    codec: zodCodec(v3),
    upgrade: (previous: V2): V3 => ({ ...previous, etaDays: 0 }),
    downgrade: ({ etaDays: _, ...rest }: V3): V2 => rest,
  },
];

/** A build that reads and writes `shipping.ShipmentBooked` v1..v`newest`. */
export function shipmentProtocol(newest: 1 | 2 | 3): Protocol {
  return defineProtocol({ types: [defineMessageType({ name: SHIPMENT, id: 40, versions: versions.slice(0, newest) })] });
}
