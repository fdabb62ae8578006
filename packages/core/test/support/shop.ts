import { protocolFromManifest, type MessageType, type Protocol } from "@twostep/core";
import { loadShopProtocol, shopBindings } from "@twostep/example-shop";
import fc from "fast-check";
import protobuf from "protobufjs";
import { comparableMessage, protobufArbitrary } from "./protobuf-arbitrary.js";

/** The shop protocol of `schemas/twostep.json`, loaded once per test file. */
export const shop = loadShopProtocol();

/** The shop protocol as it would be without the manifest's `legacy` entry. */
export function shopWithoutLegacy(): Protocol {
  const { legacy: _, ...manifest } = shop.manifest;
  return protocolFromManifest(manifest, { root: shop.root, bindings: shopBindings });
}

/** Every version of every shop type: the cells of a round-trip matrix. */
export const shopVersions: readonly { readonly type: MessageType<any>; readonly version: number }[] = shop.protocol.types.flatMap(
  (type) => Array.from({ length: type.reads.max - type.reads.min + 1 }, (_, index) => ({ type, version: type.reads.min + index })),
);

/** The protobufjs type of a protobuf version, or undefined for a json one. */
export function protobufTypeOf(type: MessageType<any>, version: number): protobuf.Type | undefined {
  const codec = type.version(version)?.codec;
  return codec?.kind === "protobuf" ? shop.root.lookupType(codec.schemaName) : undefined;
}

/**
 * Generates wire values of a shop type at a version: from the protobuf
 * reflection for protobuf versions, by hand for the json ones.
 */
export function valueArbitrary(type: MessageType<any>, version: number): fc.Arbitrary<unknown> {
  const message = protobufTypeOf(type, version);
  if (message !== undefined) return protobufArbitrary(message);
  const arbitrary = jsonArbitraries[type.name]?.[version];
  if (arbitrary === undefined) throw new Error(`no arbitrary for ${type.name} v${version}: add one to test/support/shop.ts`);
  return arbitrary;
}

/** `value` in a form where equal wire meaning is equal under `toEqual`. */
export function comparable(type: MessageType<any>, version: number, value: unknown): unknown {
  const message = protobufTypeOf(type, version);
  return message === undefined ? value : comparableMessage(message, value);
}

/** A JSON value as JSON gives it back (`-0` becomes `0`). */
const jsonValue = fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.parse(JSON.stringify(value)) as unknown);

/**
 * Keys that a newer writer added to a loose object, avoiding the names of
 * every version's fields: the shop's v1 -> v2 upgrade writes `displayName`
 * and `emails` over extra v1 keys of those names, so such values would not
 * survive upgrade then downgrade (a limit of the example's migration).
 */
function extraKeys(known: readonly string[]): fc.Arbitrary<Record<string, unknown>> {
  const key = fc.string({ minLength: 1, maxLength: 8 }).filter((name) => !known.includes(name) && name !== "__proto__");
  return fc.dictionary(key, jsonValue, { maxKeys: 3 });
}

function looseRecord<T extends Record<string, unknown>>(fields: { [K in keyof T]: fc.Arbitrary<T[K]> }, known: readonly string[]) {
  return fc.tuple(fc.record(fields), extraKeys(known)).map(([record, extra]) => ({ ...extra, ...record }));
}

const customerFields = ["customerId", "name", "email", "displayName", "emails"];
const text = fc.string({ unit: "binary", maxLength: 12 });
const customerId = fc.string({ unit: "binary", minLength: 1, maxLength: 12 });

const jsonArbitraries: Record<string, Record<number, fc.Arbitrary<unknown>>> = {
  "customers.CustomerUpdated": {
    1: looseRecord({ customerId, name: text, email: text }, customerFields),
    2: looseRecord({ customerId, displayName: text, emails: fc.array(text, { maxLength: 4 }) }, customerFields),
  },
};

/** Generates frames the shop protocol writes: any type, any version, any value. */
export const shopFrameArbitrary: fc.Arbitrary<Uint8Array> = fc.oneof(
  ...shopVersions.map(({ type, version }) => valueArbitrary(type, version).map((value) => type.encodeWire(value, version))),
);
