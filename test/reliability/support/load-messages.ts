/** The capability the load test's coordinator changes without pause: a feature every build reads at any level. */
export const LOAD_FLAG = "load.flag";

/** What the load test tells a child process to do. */
export type LoadCommand =
  /** Coordinator: start changing the flag's level in a loop, measuring CPU and memory from now. */
  | { readonly type: "begin" }
  /** Coordinator: time `runs` calls of `status()` one after the other. */
  | { readonly type: "measure-status"; readonly runs: number }
  /**
   * Coordinator: dry-run `enable-write capability level` back to back until nobody blocks it, decommissioning each blocking
   * incarnation once its lease has surely ended (a crashed process stays a member until a release manager removes it).
   */
  | { readonly type: "watch-ready"; readonly capability: string; readonly level: number; readonly timeoutMs: number }
  /** Coordinator: stop the loop and report; nodes: stop every node cleanly, then exit. */
  | { readonly type: "end" };

/** What a child process reports. */
export type LoadReport =
  | { readonly type: "ready" }
  /** Nodes: all started, with how long that took. */
  | { readonly type: "started"; readonly nodes: number; readonly ms: number; readonly at: number }
  /** Nodes, every 100 ms: heartbeats so far, and the oldest flag record any of its nodes follows (when its change was made, `change.at`). */
  | { readonly type: "progress"; readonly heartbeats: number; readonly failedHeartbeats: number; readonly oldestFlagChange: number; readonly at: number }
  /** Coordinator: one level change committed (or refused). */
  | { readonly type: "change"; readonly request: string; readonly changedAt: number; readonly ms: number; readonly refused: boolean }
  | { readonly type: "status-times"; readonly ms: readonly number[]; readonly members: number }
  | {
      readonly type: "read-ready";
      readonly at: number;
      readonly polls: number;
      readonly planMs: readonly number[];
      readonly blockersAtStart: number;
      /** Incarnations decommissioned on the way, and how long each decommission took. */
      readonly decommissionMs: readonly number[];
      /** The codes of the dry runs that failed (a race, an outage, a store thought to have gone backwards). */
      readonly refusals: readonly string[];
      readonly ready: boolean;
    }
  | { readonly type: "usage"; readonly cpuMs: number; readonly wallMs: number; readonly peakRssBytes: number; readonly peakHeapBytes: number };

/** The `p`th percentile (0..100) of `values`, or NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}
