import { defineMessageType, defineProtocol, type Protocol } from "@twostep/core";

/**
 * The protocol of an earlier build, derived from the current one: each type
 * named in `newest` keeps only its versions up to the one given (the build
 * before knew no later ones), the others stay as they are. This is how a test
 * gets the build that runs in production today without checking it out:
 * `protocolAsOf(current, { "orders.OrderPlaced": 1 })`.
 */
export function protocolAsOf(current: Protocol, newest: Readonly<Record<string, number>>): Protocol {
  const types = current.types.map((type) => {
    const last = newest[type.name];
    if (last === undefined) return type;
    const versions = [];
    for (let version = type.reads.min; version <= last; version++) {
      const definition = type.version(version);
      if (definition === undefined) throw new RangeError(`${type.name} has no v${version}`);
      versions.push(definition);
    }
    return defineMessageType({ name: type.name, id: type.id, versions, minWrite: Math.min(type.writes.min, last) });
  });
  return defineProtocol({ types, ...(current.legacy === undefined ? {} : { legacy: current.legacy }) });
}
