import { median } from "../measure.js";
import { startBenchServers } from "./bench-servers.js";
import { followSetup } from "./follow-setup.js";
import { NodePool } from "./node-pool.js";
import { preciseNow, type Side } from "./worker-protocol.js";

/** One change must reach every follower within this. */
const ROUND_TIMEOUT_MS = 60_000;

/** What {@link measurePropagation} found at one N. */
export interface PropagationResult {
  readonly nodes: number;
  /** Per side, ms from the write's call to the last follower having it, per measured round. */
  readonly times: Readonly<Record<Side, readonly number[]>>;
  /** Median twostep over median raw. */
  readonly ratio: number;
  /** Resident memory of the server and of the follower processes after the rounds, in bytes. */
  readonly serverRss: number;
  readonly clientRss: number;
}

/**
 * From a committed change to the last of `nodes` followers having it,
 * twostep against raw, on one fresh server (or a cluster) running both
 * sides at once with heartbeats on: `nodes` twostep nodes following the
 * level record, and `nodes` raw jobs watching the same bytes in a KV
 * bucket. Each round writes one change on each side (a compare-and-set of
 * the record, then a `kv.update`; the order alternates) and times it from
 * the call to the last follower's arrival.
 */
export async function measurePropagation(options: {
  readonly nodes: number;
  readonly rounds: number;
  readonly cluster?: boolean;
  readonly log: (line: string) => void;
}): Promise<PropagationResult> {
  const servers = await startBenchServers(options.cluster ?? false);
  try {
    const setup = await followSetup(servers);
    const started = Date.now();
    const pool = await NodePool.start({ twostep: options.nodes, raw: options.nodes }, setup);
    options.log(`  propagation ${options.nodes}: ${2 * options.nodes} followers running after ${((Date.now() - started) / 1000).toFixed(0)} s`);
    try {
      const times: Record<Side, number[]> = { twostep: [], raw: [] };
      const warmup = 3;
      for (let round = 0; round < warmup + options.rounds; round++) {
        for (const side of round % 2 === 0 ? (["twostep", "raw"] as const) : (["raw", "twostep"] as const)) {
          const start = preciseNow();
          const revision = await (side === "twostep" ? setup.flipTwostep() : setup.flipRaw());
          const reached = await pool.reached(side, revision, ROUND_TIMEOUT_MS);
          pool.forget(side, revision);
          if (round >= warmup) times[side].push(reached - start);
          // Let the followers' own work (applying, replanning) settle before the next change.
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
      const result = {
        nodes: options.nodes,
        times,
        ratio: median(times.twostep) / median(times.raw),
        serverRss: servers.rssBytes(),
        clientRss: pool.rssBytes(),
      };
      options.log(`  propagation ${options.nodes}: twostep median ${median(times.twostep).toFixed(1)} ms, raw ${median(times.raw).toFixed(1)} ms`);
      return result;
    } finally {
      await pool.stop();
      await setup.close();
    }
  } finally {
    await servers.stop();
  }
}
