import type { Service } from "./run-service.js";
import { ORDERS_SUBJECT } from "./order-builds.js";

/** Consumers share the orders: each order goes to one of them, so one can be restarted while the others carry on. */
const QUEUE_GROUP = "order-consumers";

/**
 * The consumer: reads every order from `shop.orders.placed` (in a queue
 * group with the other consumers) and decodes it with `node.decode`, which
 * upgrades it to this build's newest shape. Counts frames by the version they
 * had on the wire; a frame that cannot be decoded goes to the dead-letter
 * hook (counted and logged with its error code by the service runner).
 */
export const orderConsumer: Service = {
  name: "order-consumer",
  script: "consumer.js",
  summary: `Joins the fleet as NODE of service order-consumer and decodes the orders
published on ${ORDERS_SUBJECT}. Prints a JSON line of stats every second,
{"node","build","decoded":{"1":n,"2":m},"deadLetters":k,"event"}, and a
last one after leaving the fleet cleanly on SIGTERM or SIGINT.`,
  async start({ node, connection, logger, deadLetters }) {
    const decoded: Record<string, number> = {};
    const subscription = connection.subscribe(ORDERS_SUBJECT, {
      queue: QUEUE_GROUP,
      callback: (error, message) => {
        if (error !== null) {
          logger.error({ err: error }, "the orders subscription failed");
          return;
        }
        const frame = node.decode(message.data);
        if (frame !== undefined) decoded[frame.version] = (decoded[frame.version] ?? 0) + 1;
      },
    });
    // A round trip: the server has the subscription before this consumer says it joined, so no order published after that is missed.
    await connection.flush();
    return {
      stats: () => ({ decoded: { ...decoded }, deadLetters: deadLetters() }),
      stop: () => subscription.drain(),
    };
  },
};
