import { createHash } from "node:crypto";
import type { MessageType, Protocol } from "@twostep/core";
import fc from "fast-check";
import { versionArbitrary } from "../arbitraries/version-arbitrary.js";

/**
 * Gives the generator of a version's wire values, or undefined to use the
 * one derived from its schema ({@link versionArbitrary}).
 */
export type ArbitraryOverride = (type: MessageType, version: number) => fc.Arbitrary<unknown> | undefined;

/** Values drawn per version, each batch from its own seed. */
const BATCH = 64;

interface Pool {
  readonly arbitrary: fc.Arbitrary<unknown>;
  values: unknown[];
  batches: number;
}

/**
 * Hands out fresh generated wire values per message type and version,
 * reproducibly from one seed. Every value is used once, so a migration that
 * changes its input cannot spoil a later message.
 */
export class ValueSource {
  readonly #seed: number;
  readonly #override: ArbitraryOverride | undefined;
  readonly #pools = new Map<MessageType, Map<number, Pool>>();

  /** Builds the generators of every version the protocols write now, so that an unsupported schema fails before any node starts. */
  constructor(seed: number, protocols: readonly Protocol[], override?: ArbitraryOverride) {
    this.#seed = seed;
    this.#override = override;
    for (const protocol of protocols) {
      for (const type of protocol.types) {
        for (let version = type.writes.min; version <= type.writes.max; version++) this.#pool(type, version);
      }
    }
  }

  /** The next value of `type` at `version`, in that version's shape. */
  next(type: MessageType, version: number): unknown {
    const pool = this.#pool(type, version);
    if (pool.values.length === 0) {
      const seed = this.#seed ^ hash(`${type.name}\u0000${version}\u0000${pool.batches}`);
      pool.values = fc.sample(pool.arbitrary, { seed, numRuns: BATCH }).reverse();
      pool.batches++;
    }
    return pool.values.pop();
  }

  #pool(type: MessageType, version: number): Pool {
    let versions = this.#pools.get(type);
    if (versions === undefined) {
      versions = new Map();
      this.#pools.set(type, versions);
    }
    let pool = versions.get(version);
    if (pool === undefined) {
      pool = { arbitrary: this.#override?.(type, version) ?? versionArbitrary(type, version), values: [], batches: 0 };
      versions.set(version, pool);
    }
    return pool;
  }
}

/** 32 bits of a digest of `text`, to derive one seed per pool and batch. */
function hash(text: string): number {
  return createHash("sha256").update(text).digest().readInt32LE(0);
}
