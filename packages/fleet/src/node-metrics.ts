import type { LevelCounters } from "./advertisement.js";

/** A snapshot of a node's frame counters, per capability (type name) and version. */
export type MetricsSnapshot = Readonly<Record<string, LevelCounters>>;

/** The type name counted for frames whose type could not be told. */
export const UNKNOWN_TYPE = "?";

/** Counts frames read, written and failed per type and version. */
export class NodeMetrics {
  readonly #counters = new Map<string, { read: Record<string, number>; written: Record<string, number>; failed: Record<string, number> }>();

  /** Counts one frame of `kind` for `type` at `version` (`?` when unknown). */
  count(kind: "read" | "written" | "failed", type: string, version: number | "?"): void {
    let counters = this.#counters.get(type);
    if (counters === undefined) {
      counters = { read: {}, written: {}, failed: {} };
      this.#counters.set(type, counters);
    }
    const bucket = counters[kind];
    bucket[version] = (bucket[version] ?? 0) + 1;
  }

  /** A copy of every counter. */
  snapshot(): MetricsSnapshot {
    return Object.fromEntries([...this.#counters].map(([type, counters]) => [type, structuredClone(counters)]));
  }
}
