import type { FrameCounts } from "../records/heartbeat-record.js";

/** Frames per capability and level, as a node counts them. */
export type MetricsSnapshot = Readonly<Record<string, Readonly<Record<string, FrameCounts>>>>;

/** The capability counted for frames whose type could not be told. */
export const UNKNOWN_TYPE = "?";

/**
 * Counts frames read, written and failed per capability and level, and
 * remembers when each level was last handed out for writing (on the node's
 * monotonic clock), which heartbeats report as "ms ago" so that no two
 * clocks are ever compared.
 */
export class NodeMetrics {
  readonly #frames = new Map<string, Map<string, [number, number, number]>>();
  readonly #lastWrite = new Map<string, Map<string, number>>();
  readonly #clock: () => number;

  constructor(clock: () => number) {
    this.#clock = clock;
  }

  /** Counts one frame of `kind` for `capability` at `level` (`?` when unknown). */
  count(kind: "read" | "written" | "failed", capability: string, level: number | "?"): void {
    const key = String(level);
    let levels = this.#frames.get(capability);
    if (levels === undefined) {
      levels = new Map();
      this.#frames.set(capability, levels);
    }
    let counts = levels.get(key);
    if (counts === undefined) {
      counts = [0, 0, 0];
      levels.set(key, counts);
    }
    counts[kind === "read" ? 0 : kind === "written" ? 1 : 2]++;
  }

  /** Notes that `level` of `capability` is being written now (whether or not the frame is counted). */
  wrote(capability: string, level: number): void {
    let writes = this.#lastWrite.get(capability);
    if (writes === undefined) {
      writes = new Map();
      this.#lastWrite.set(capability, writes);
    }
    writes.set(String(level), this.#clock());
  }

  /** A copy of every counter. */
  snapshot(): MetricsSnapshot {
    const result: Record<string, Record<string, FrameCounts>> = {};
    for (const [capability, levels] of this.#frames)
      result[capability] = Object.fromEntries([...levels].map(([level, counts]) => [level, [...counts] as const]));
    return result;
  }

  /** Per capability and level, how long ago it was last written, in ms (at least 0). */
  writesAgo(): Record<string, Record<string, number>> {
    const now = this.#clock();
    const result: Record<string, Record<string, number>> = {};
    for (const [capability, levels] of this.#lastWrite)
      result[capability] = Object.fromEntries([...levels].map(([level, at]) => [level, Math.max(0, Math.round(now - at))]));
    return result;
  }
}
