import { median } from "../measure.js";
import { startBenchServers } from "./bench-servers.js";
import { changeRound } from "./change-round.js";
import { followSetup } from "./follow-setup.js";
import { NodePool } from "./node-pool.js";
import type { Side } from "./worker-protocol.js";

/** Rounds before the measured ones: the followers' code is compiled by then. */
const WARMUP_ROUNDS = 3;

/** What {@link measureDelivery} found, per side. */
export interface DeliveryResult {
  readonly followers: number;
  readonly protocol: "shop" | "wide";
  /** Client CPU per follower and delivered change, in µs (the followers' idle work over the rounds taken out). */
  readonly perDeliveryMicros: Readonly<Record<Side, number>>;
  /** Client CPU of an idle follower (heartbeats, backstops), in µs per second. */
  readonly idleMicrosPerSecond: Readonly<Record<Side, number>>;
  /** Median time for a change to reach the last follower, in ms. */
  readonly medianMs: Readonly<Record<Side, number>>;
  /** twostep's CPU per delivery over raw's. */
  readonly ratio: number;
}

/**
 * What a follower's process spends on one change: `followers` twostep
 * nodes (of `protocol`, heartbeats every 3 s), then as many raw
 * `kv.watch` followers (each reads the record as JSON, and puts a raw
 * heartbeat every 3 s), each side alone in one worker process on one
 * server. Per side: the workers' CPU while idle over `idleMs`, then over
 * `rounds` changes (each awaited at every follower, then a 50 ms pause),
 * less the idle share of that time, per follower and change. At fleet
 * scale, where the followers' processes saturate their cores, this is what
 * decides how soon the last one has a change.
 */
export async function measureDelivery(options: {
  readonly followers: number;
  readonly rounds: number;
  readonly idleMs: number;
  /** What the nodes run: the shop protocol (2 types), or 50 types. */
  readonly protocol: "shop" | "wide";
  readonly log: (line: string) => void;
}): Promise<DeliveryResult> {
  const servers = await startBenchServers(false);
  const setup = await followSetup(servers, 3_000, servers, options.protocol);
  try {
    const sides = {} as Record<Side, { perDelivery: number; idle: number; median: number }>;
    for (const side of ["twostep", "raw"] as const) {
      const pool = await NodePool.start(
        { twostep: side === "twostep" ? options.followers : 0, raw: side === "raw" ? options.followers : 0 },
        side === "twostep" ? { twostep: setup.twostep } : { raw: setup.raw },
      );
      try {
        const idleFrom = pool.cpuSeconds();
        await new Promise((resolve) => setTimeout(resolve, options.idleMs));
        const idleCores = (pool.cpuSeconds() - idleFrom) / (options.idleMs / 1000);
        const times: number[] = [];
        let cpuFrom = 0;
        let clockFrom = 0;
        for (let round = 0; round < WARMUP_ROUNDS + options.rounds; round++) {
          if (round === WARMUP_ROUNDS) {
            cpuFrom = pool.cpuSeconds();
            clockFrom = performance.now();
          }
          const ms = await changeRound(setup, pool, side);
          if (round >= WARMUP_ROUNDS) times.push(ms);
        }
        const seconds = (performance.now() - clockFrom) / 1000;
        const busy = pool.cpuSeconds() - cpuFrom - idleCores * seconds;
        sides[side] = {
          perDelivery: (busy / (options.rounds * options.followers)) * 1e6,
          idle: (idleCores / options.followers) * 1e6,
          median: median(times),
        };
        options.log(
          `  delivery: ${side} ${sides[side].perDelivery.toFixed(1)} µs of client CPU per follower and change, ` +
            `${sides[side].idle.toFixed(1)} µs/s idle; last follower after ${sides[side].median.toFixed(1)} ms (median)`,
        );
      } finally {
        await pool.stop();
      }
    }
    return {
      followers: options.followers,
      protocol: options.protocol,
      perDeliveryMicros: { twostep: sides.twostep.perDelivery, raw: sides.raw.perDelivery },
      idleMicrosPerSecond: { twostep: sides.twostep.idle, raw: sides.raw.idle },
      medianMs: { twostep: sides.twostep.median, raw: sides.raw.median },
      ratio: sides.twostep.perDelivery / sides.raw.perDelivery,
    };
  } finally {
    await setup.close();
    await servers.stop();
  }
}
