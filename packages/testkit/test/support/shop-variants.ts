import { defineMessageType, defineProtocol, zodCodec, type MessageType, type Protocol } from "@twostep/core";
import { CustomerUpdatedV2, loadShopBuilds, upgradeOrderPlaced, type OrderPlacedV1 } from "@twostep/example-shop";
import Long from "long";
import { z } from "zod";

/** The shop's builds: `previous` reads and writes only v1 of orders.OrderPlaced, `current` v1 and v2. */
export const { previous, current } = loadShopBuilds();

/** `protocol` with its type of the same name replaced by `type`. */
export function withType(protocol: Protocol, type: MessageType): Protocol {
  return defineProtocol({ types: protocol.types.map((known) => (known.name === type.name ? type : known)) });
}

/** `type` with some of its versions' definitions changed. */
function redefine(type: MessageType, changes: Readonly<Record<number, object>>, keep: (version: number) => boolean = () => true): MessageType {
  const versions = [];
  for (let version = type.reads.min; version <= type.reads.max; version++) {
    const definition = type.version(version);
    if (definition !== undefined && keep(version)) versions.push({ ...definition, ...changes[version] });
  }
  return defineMessageType({ name: type.name, id: type.id, versions });
}

const orders = current.type("orders.OrderPlaced");
const customers = current.type("customers.CustomerUpdated");

/**
 * A new build whose orders.OrderPlaced v1 -> v2 upgrade turns the cents
 * beyond whole dollars into nanos with the wrong factor (10^6, not 10^7),
 * while v2 still claims to be lossless.
 */
export const nanosBug = withType(
  current,
  redefine(orders, {
    2: {
      upgrade: (v1: OrderPlacedV1) => {
        const cents = Long.fromValue(v1.amountCents ?? 0);
        return { ...upgradeOrderPlaced(v1), total: { currencyCode: "USD", units: cents.div(100), nanos: cents.mod(100).toInt() * 1_000_000 } };
      },
    },
  }),
);

/** A new build that wrongly drops the reader of orders.OrderPlaced v1, which the fleet still writes. */
export const noV1Reader = withType(
  current,
  redefine(orders, {}, (version) => version !== 1),
);

/**
 * A new build whose customers.CustomerUpdated v2 became strict and gained a
 * required key without a version bump: it cannot read what the old build
 * writes at v2, and nothing in the version numbers says so.
 */
export const strictCustomers = withType(
  current,
  redefine(customers, { 2: { codec: zodCodec(z.strictObject({ ...CustomerUpdatedV2.shape, phone: z.string() })) } }),
);
