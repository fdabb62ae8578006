import type { FrameCounts } from "../records/heartbeat-record.js";

/** Frames per capability and level, as a node counts them. */
export type MetricsSnapshot = Readonly<Record<string, Readonly<Record<string, FrameCounts>>>>;

/** The capability counted for frames whose type could not be told. */
export const UNKNOWN_TYPE = "?";

/** What one level of one capability saw: frames, and when it was last handed out for writing. */
export interface LevelCounts {
  read: number;
  written: number;
  failed: number;
  /** On the node's clock; undefined until the level is handed out for writing. */
  lastWrite: number | undefined;
}

/**
 * Counts frames read, written and failed per capability and level, and
 * remembers when each level was last handed out for writing (on the node's
 * monotonic clock), which heartbeats report as "ms ago" so that no two
 * clocks are ever compared. Called for every frame: one lookup per
 * capability and one per level, no allocation once a level was seen.
 */
export class NodeMetrics {
  readonly #levels = new Map<string, Map<number | "?", LevelCounts>>();
  readonly #clock: () => number;
  /** The counts last looked up, and for what: frames mostly come in runs of one type at one level. */
  #lastCapability: string | undefined;
  #lastLevel: number | "?" | undefined;
  #lastCounts: LevelCounts | undefined;

  constructor(clock: () => number) {
    this.#clock = clock;
  }

  /** Counts one frame of `kind` for `capability` at `level` (`?` when unknown). */
  count(kind: "read" | "written" | "failed", capability: string, level: number | "?"): void {
    const counts = this.#at(capability, level);
    if (kind === "read") counts.read++;
    else if (kind === "written") counts.written++;
    else counts.failed++;
  }

  /** Counts one frame read of `capability` at `level`. */
  read(capability: string, level: number): void {
    this.#at(capability, level).read++;
  }

  /**
   * Notes that `level` of `capability` is being written at `at` (the node's
   * clock; now by default), whether or not the frame is counted. Returns the
   * level's counts, to count the frame once written without looking them up again.
   */
  wrote(capability: string, level: number, at: number = this.#clock()): LevelCounts {
    const counts = this.#at(capability, level);
    counts.lastWrite = at;
    return counts;
  }

  /** A copy of every counter of every level that counted a frame. */
  snapshot(): MetricsSnapshot {
    const result: Record<string, Record<string, FrameCounts>> = {};
    for (const [capability, levels] of this.#levels) {
      let counted: Record<string, FrameCounts> | undefined;
      for (const [level, counts] of levels) {
        if (counts.read + counts.written + counts.failed === 0) continue;
        counted ??= result[capability] = {};
        counted[String(level)] = [counts.read, counts.written, counts.failed];
      }
    }
    return result;
  }

  /** Per capability and level, how long ago it was last written, in ms (at least 0). */
  writesAgo(): Record<string, Record<string, number>> {
    const now = this.#clock();
    const result: Record<string, Record<string, number>> = {};
    for (const [capability, levels] of this.#levels) {
      let written: Record<string, number> | undefined;
      for (const [level, counts] of levels) {
        if (counts.lastWrite === undefined) continue;
        written ??= result[capability] = {};
        written[String(level)] = Math.max(0, Math.round(now - counts.lastWrite));
      }
    }
    return result;
  }

  #at(capability: string, level: number | "?"): LevelCounts {
    // Kept this small so that the engine inlines it into every frame's path; the lookup is apart.
    const counts = this.#lastCounts;
    return counts !== undefined && capability === this.#lastCapability && level === this.#lastLevel ? counts : this.#lookUp(capability, level);
  }

  #lookUp(capability: string, level: number | "?"): LevelCounts {
    let levels = this.#levels.get(capability);
    if (levels === undefined) {
      levels = new Map();
      this.#levels.set(capability, levels);
    }
    let counts = levels.get(level);
    if (counts === undefined) {
      counts = { read: 0, written: 0, failed: 0, lastWrite: undefined };
      levels.set(level, counts);
    }
    this.#lastCapability = capability;
    this.#lastLevel = level;
    this.#lastCounts = counts;
    return counts;
  }
}
