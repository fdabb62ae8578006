import { protocolFromManifest, type MessageType, type Protocol } from "@twostep/core";
import { loadShopProtocol, shopBindings } from "@twostep/example-shop";
import { comparableValue, versionArbitrary } from "@twostep/testkit/arbitraries";
import fc from "fast-check";

/** The shop protocol of `schemas/twostep.json`, loaded once per test file. */
export const shop = loadShopProtocol();

/** The shop protocol as it would be without the manifest's `legacy` entry. */
export function shopWithoutLegacy(): Protocol {
  const { legacy: _, ...manifest } = shop.manifest;
  return protocolFromManifest(manifest, { root: shop.root, bindings: shopBindings });
}

/** Every version of every shop type: the cells of a round-trip matrix. */
export const shopVersions: readonly { readonly type: MessageType; readonly version: number }[] = shop.protocol.types.flatMap((type) =>
  Array.from({ length: type.reads.max - type.reads.min + 1 }, (_, index) => ({ type, version: type.reads.min + index })),
);

/**
 * Wire values of a shop type at a version, generated from its schema (the
 * protobuf reflection or the zod schema), and their comparable form.
 */
export { comparableValue as comparable, versionArbitrary as valueArbitrary };

/** Generates frames the shop protocol writes: any type, any version, any value. */
export const shopFrameArbitrary: fc.Arbitrary<Uint8Array> = fc.oneof(
  ...shopVersions.map(({ type, version }) => versionArbitrary(type, version).map((value) => type.encodeWire(value, version))),
);
