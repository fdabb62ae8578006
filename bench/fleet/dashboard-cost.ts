import { fleetSummaryJson, statusJson } from "@twostep/cli";
import type { FleetStatus } from "@twostep/fleet";

/** What one dashboard event costs at one fleet size: the summary it sends against the whole `status --json` it sent before. */
export interface DashboardCost {
  /** Bytes of one `fleet` event's data (`/api/fleet`, as sent). */
  readonly summaryBytes: number;
  /** Bytes of `status --json` of the same status, as the feed sent it before (unindented). */
  readonly statusBytes: number;
  /** ms to build and serialise the summary, per run. */
  readonly summaryMs: readonly number[];
  /** ms to build and serialise `status --json`, per run. */
  readonly statusMs: readonly number[];
}

/**
 * Builds and serialises the dashboard's summary and the whole status JSON
 * of `status`, alternately, `runs` times each after one warm-up of each:
 * what the feed spends on every read of the fleet, and sends.
 */
export function measureDashboardEvent(status: FleetStatus, runs: number): DashboardCost {
  const summaryMs: number[] = [];
  const statusMs: number[] = [];
  let summaryBytes = 0;
  let statusBytes = 0;
  for (let run = -1; run < runs; run++) {
    let start = performance.now();
    summaryBytes = Buffer.byteLength(JSON.stringify(fleetSummaryJson(status)));
    if (run >= 0) summaryMs.push(performance.now() - start);
    start = performance.now();
    statusBytes = Buffer.byteLength(JSON.stringify(statusJson(status)));
    if (run >= 0) statusMs.push(performance.now() - start);
  }
  return { summaryBytes, statusBytes, summaryMs, statusMs };
}
