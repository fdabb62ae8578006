import { decodeEnvelopeHead } from "@twostep/core";
import type { OrderPlacedV1Input, OrderPlacedV2Input } from "@twostep/example-shop";
import { ORDER_PLACED, ORDERS_SUBJECT } from "./order-builds.js";
import type { Service } from "./run-service.js";

const PUBLISH_INTERVAL_MS = 20;

/**
 * The producer: publishes an order on `shop.orders.placed` every 20 ms, in
 * its build's newest shape, encoded with `node.encode` keyed by the order id,
 * so the fleet's write level (and a ramp's share, by key) decides the version
 * on the wire. Counts the frames written per version.
 */
export const orderProducer: Service = {
  name: "order-producer",
  script: "producer.js",
  summary: `Joins the fleet as NODE of service order-producer and publishes an order on
${ORDERS_SUBJECT} every ${PUBLISH_INTERVAL_MS} ms, at the version the fleet allows. Prints a JSON line of
stats every second, {"node","build","written":{"1":n,"2":m},"failed":k,"event"},
and a last one after leaving the fleet cleanly on SIGTERM or SIGINT.`,
  start({ node, connection, logger }) {
    const written: Record<string, number> = {};
    let failed = 0;
    let sequence = 0;
    // Application code works with its own build's newest shape; the SDK downgrades it to the level the fleet writes.
    const newest = node.protocol.type(ORDER_PLACED).latest;
    const timer = setInterval(() => {
      sequence++;
      const orderId = `${node.nodeId}-${sequence}`;
      try {
        const frame = node.encode<OrderPlacedV1Input | OrderPlacedV2Input>(ORDER_PLACED, sampleOrder(orderId, sequence, newest), { key: orderId });
        const { version } = decodeEnvelopeHead(frame);
        connection.publish(ORDERS_SUBJECT, frame);
        written[version] = (written[version] ?? 0) + 1;
      } catch (error) {
        // Fenced, or no level this build can write: nothing is sent rather than something unreadable.
        failed++;
        logger.error({ err: error, orderId }, "order not sent");
      }
    }, PUBLISH_INTERVAL_MS);
    return {
      stats: () => ({ written: { ...written }, failed }),
      async stop() {
        clearInterval(timer);
        await connection.flush();
      },
    };
  },
};

function sampleOrder(orderId: string, sequence: number, newest: number): OrderPlacedV1Input | OrderPlacedV2Input {
  const cents = 100 + ((sequence * 7919) % 100_000);
  const common = { orderId, customerId: `customer-${sequence % 97}`, items: [{ sku: `sku-${sequence % 13}`, quantity: 1 + (sequence % 3) }] };
  return newest === 1
    ? { ...common, amountCents: cents }
    : { ...common, total: { currencyCode: "USD", units: Math.floor(cents / 100), nanos: (cents % 100) * 10_000_000 } };
}
