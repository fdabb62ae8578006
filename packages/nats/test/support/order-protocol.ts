import { defineMessageType, defineProtocol, zodCodec, type Protocol } from "@twostep/core";
import { z } from "zod";

const order = z.strictObject({ id: z.string() });

/** A build whose one type, `orders.OrderPlaced`, reads and writes v1..v`newest` (every version has the same shape). */
export function orderProtocol(newest: number): Protocol {
  const versions = Array.from({ length: newest }, (_, index) => ({
    version: index + 1,
    codec: zodCodec(order),
    upgrade: (value: z.output<typeof order>) => value,
    downgrade: (value: z.output<typeof order>) => value,
  }));
  return defineProtocol({ types: [defineMessageType({ name: "orders.OrderPlaced", id: 1, versions })] });
}
