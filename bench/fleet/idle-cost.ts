import { median } from "../measure.js";
import { startBenchServers } from "./bench-servers.js";
import { followSetup } from "./follow-setup.js";
import { NodePool } from "./node-pool.js";
import type { Side } from "./worker-protocol.js";

/** What {@link measureIdleCost} measures. */
export interface IdleOptions {
  /** Followers on each side. */
  readonly nodes: number;
  /** Time after the last follower started before the first window. */
  readonly warmupMs: number;
  readonly windowMs: number;
  /** Windows per side and pass. */
  readonly windows: number;
  /** Passes: each runs both sides once, one after the other, the first side alternating. */
  readonly passes: number;
  readonly log: (line: string) => void;
}

/** Server CPU per idle follower, each side on a fresh server of its own. */
export interface IdleResult {
  readonly nodes: number;
  readonly windowMs: number;
  /** Per side, the server CPU seconds of every window. */
  readonly windows: Readonly<Record<Side, readonly number[]>>;
  /** Per side, the median window's server CPU per follower, in microseconds of CPU per second. */
  readonly perNodeMicros: Readonly<Record<Side, number>>;
  /** Twostep over raw. */
  readonly ratio: number;
  /** Per side, the server's resident memory after the windows, in bytes. */
  readonly serverRss: Readonly<Record<Side, number>>;
}

/**
 * The cost to nats-server of an idle follower with heartbeats on: `nodes`
 * twostep nodes (following the records, heartbeating every 3 s), then
 * `nodes` raw jobs doing the same by hand (a `kv.watch` of the record and
 * a `kv.put` heartbeat every 3 s), each side alone on a fresh server, no
 * record changing. After the warm-up, the server's CPU time (from
 * `/proc/<pid>/stat`) over each window.
 */
export async function measureIdleCost(options: IdleOptions): Promise<IdleResult> {
  const windows: Record<Side, number[]> = { twostep: [], raw: [] };
  const serverRss: Record<Side, number> = { twostep: 0, raw: 0 };
  for (let pass = 0; pass < options.passes; pass++) {
    const sides: Side[] = pass % 2 === 0 ? ["twostep", "raw"] : ["raw", "twostep"];
    for (const side of sides) {
      const servers = await startBenchServers(false);
      try {
        const setup = await followSetup(servers);
        const started = Date.now();
        const pool = await NodePool.start(side === "twostep" ? { twostep: options.nodes, raw: 0 } : { twostep: 0, raw: options.nodes }, setup);
        options.log(`  idle ${side}: ${options.nodes} followers running after ${((Date.now() - started) / 1000).toFixed(0)} s; warming up`);
        try {
          await new Promise((resolve) => setTimeout(resolve, options.warmupMs));
          for (let window = 0; window < options.windows; window++) {
            const before = servers.cpuSeconds();
            await new Promise((resolve) => setTimeout(resolve, options.windowMs));
            const used = servers.cpuSeconds() - before;
            windows[side].push(used);
            options.log(`  idle ${side}: server CPU ${used.toFixed(2)} s over ${options.windowMs / 1000} s`);
          }
          serverRss[side] = servers.rssBytes();
        } finally {
          await pool.stop();
          await setup.close();
        }
      } finally {
        await servers.stop();
      }
    }
  }
  const perNode = (side: Side) => (median(windows[side]) / (options.windowMs / 1000) / options.nodes) * 1e6;
  const perNodeMicros = { twostep: perNode("twostep"), raw: perNode("raw") };
  return { nodes: options.nodes, windowMs: options.windowMs, windows, perNodeMicros, ratio: perNodeMicros.twostep / perNodeMicros.raw, serverRss };
}
