import type { ControlPlane } from "@twostep/fleet";

/**
 * Wraps a control plane so that every call first yields a pseudo-random
 * number of microtask turns (from a seeded generator), letting concurrent
 * operations interleave differently on every run while staying replayable
 * from the seed.
 */
export function chaosControlPlane(inner: ControlPlane, seed: number): ControlPlane {
  let state = seed >>> 0 || 1;
  const turns = (): number => {
    // xorshift32: small, deterministic, good enough to shuffle interleavings.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % 12;
  };
  return new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function" || property === "now") return typeof value === "function" ? value.bind(target) : value;
      return async (...args: unknown[]) => {
        for (let turn = turns(); turn > 0; turn--) await Promise.resolve();
        return value.apply(target, args);
      };
    },
  });
}
