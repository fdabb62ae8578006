import { readFileSync } from "node:fs";
import { median } from "../measure.js";
import { type BenchServers, startBenchServers } from "./bench-servers.js";
import { followSetup } from "./follow-setup.js";
import { NodePool, type Staging } from "./node-pool.js";
import { changeRound } from "./change-round.js";
import type { Side } from "./worker-protocol.js";

/**
 * Followers start in waves of 1,000 per side, at most 60 of each side
 * starting at once, with one heartbeat period between waves: a fleet boots
 * node by node, and 10,000 joins at once only measure how the server queues
 * them. Both sides are staged alike.
 */
const STAGING = { wave: 1_000, inFlight: 60, settleMs: 3_000 } as const;
/** File descriptors a server needs besides one per follower's connection (its store, listeners, the bench's own connections). */
const SPARE_FILES = 1_000;

/** What {@link measurePropagation} found at one N. */
export interface PropagationResult {
  readonly nodes: number;
  /** Per side, ms from the write's call to the last follower having it, per measured round. */
  readonly times: Readonly<Record<Side, readonly number[]>>;
  /** Median twostep over median raw. */
  readonly ratio: number;
  /** Per side, the resident memory of its server after the rounds, in bytes. */
  readonly serverRss: Readonly<Record<Side, number>>;
  /** Resident memory of the follower processes (both sides) after the rounds, in bytes. */
  readonly clientRss: number;
  /** Per side, its server's CPU while the followers ran idle before the rounds, in cores (1 = one core busy). */
  readonly serverCpuIdle: Readonly<Record<Side, number>>;
  /** How long the followers ran, once all started, before the idle window (0: none, the window caught the start's tail). */
  readonly settleMs: number;
  /** Per side, its server's CPU over the rounds, in cores. */
  readonly serverCpuRounds: Readonly<Record<Side, number>>;
  /** Seconds from the first follower started to the last one running. */
  readonly startSeconds: number;
  /** Every follower's heartbeat period, in ms. */
  readonly heartbeatMs: number;
  /** Per side, followers started again after a failed start. */
  readonly restarts: Readonly<Record<Side, number>>;
}

/** Fails early, naming the fix, when a server may not open a file per follower's connection. */
function checkOpenFiles(servers: BenchServers, followers: number): void {
  const needed = followers + SPARE_FILES;
  for (const pid of servers.pids()) {
    const line = readFileSync(`/proc/${pid}/limits`, "utf8")
      .split("\n")
      .find((row) => row.startsWith("Max open files"));
    const limit = Number(line?.split(/\s+/)[3]);
    if (Number.isFinite(limit) && limit < needed)
      throw new Error(`nats-server may open ${limit} files and needs ${needed} for ${followers} followers: raise the limit (\`ulimit -n\`) and run again`);
  }
}

/** CPU seconds of each side's servers from a start, in cores. */
function cpuMeter(servers: Readonly<Record<Side, BenchServers>>): () => Record<Side, number> {
  const from = { twostep: servers.twostep.cpuSeconds(), raw: servers.raw.cpuSeconds(), at: Date.now() };
  return () => {
    const seconds = (Date.now() - from.at) / 1000;
    return { twostep: (servers.twostep.cpuSeconds() - from.twostep) / seconds, raw: (servers.raw.cpuSeconds() - from.raw) / seconds };
  };
}

const percent = (cores: Record<Side, number>) => `twostep ${(100 * cores.twostep).toFixed(0)}%, raw ${(100 * cores.raw).toFixed(0)}% of a core`;

/**
 * From a committed change to the last of `nodes` followers having it,
 * twostep against raw, with heartbeats on: `nodes` twostep nodes following
 * the level record, and `nodes` raw jobs watching the same bytes in a KV
 * bucket, both started in waves ({@link STAGING}) and running at once, each
 * side on a fresh server (or cluster) of its own: a server holds one
 * connection per follower, and 20,000 connections exceed the open-files
 * limit of one process here. Each round writes one change on each side (a
 * compare-and-set of the record, then a `kv.update`; the order alternates)
 * and times it from the call to the last follower's arrival.
 */
export async function measurePropagation(options: {
  readonly nodes: number;
  readonly rounds: number;
  readonly cluster?: boolean;
  /** Every follower's heartbeat period on both sides; 3 s unless given. */
  readonly heartbeatMs?: number;
  /**
   * How long the followers run before the idle window, once all started:
   * none unless given. Ten backstop periods (10 min at the default 60 s)
   * reach the steady state, in which no follower still reads the log its
   * first tenth backstop finds changed since it joined.
   */
  readonly settleMs?: number;
  readonly log: (line: string) => void;
}): Promise<PropagationResult> {
  const twostepServers = await startBenchServers(options.cluster ?? false);
  let rawServers: BenchServers | undefined;
  try {
    rawServers = await startBenchServers(options.cluster ?? false);
    const servers = { twostep: twostepServers, raw: rawServers };
    checkOpenFiles(twostepServers, options.nodes);
    checkOpenFiles(rawServers, options.nodes);
    const setup = await followSetup(twostepServers, options.heartbeatMs, rawServers);
    const started = Date.now();
    let sinceWave = cpuMeter(servers);
    const staging: Staging = {
      ...STAGING,
      onWave: (running, seconds, restarts) => {
        options.log(
          `    ${running} of each side running (wave: ${seconds.toFixed(1)} s; servers since the last: ${percent(sinceWave())}; ` +
            `restarts so far: twostep ${restarts.twostep}, raw ${restarts.raw})`,
        );
        sinceWave = cpuMeter(servers);
      },
    };
    const pool = await NodePool.start({ twostep: options.nodes, raw: options.nodes }, setup, staging);
    const startSeconds = (Date.now() - started) / 1000;
    options.log(`  propagation ${options.nodes}: ${2 * options.nodes} followers running after ${startSeconds.toFixed(0)} s`);
    try {
      if (options.settleMs !== undefined) {
        options.log(`  propagation ${options.nodes}: letting the followers settle for ${(options.settleMs / 60_000).toFixed(1)} min`);
        await new Promise((resolve) => setTimeout(resolve, options.settleMs));
      }
      // Idle for one heartbeat period and a half (a minute at least once settled, a steadier figure): what the followers
      // cost their servers before any change.
      const idleMs = 1.5 * (options.heartbeatMs ?? 3_000);
      const idle = cpuMeter(servers);
      await new Promise((resolve) => setTimeout(resolve, options.settleMs === undefined ? idleMs : Math.max(idleMs, 60_000)));
      const serverCpuIdle = idle();
      const rounds = cpuMeter(servers);
      const times: Record<Side, number[]> = { twostep: [], raw: [] };
      const warmup = 3;
      for (let round = 0; round < warmup + options.rounds; round++) {
        for (const side of round % 2 === 0 ? (["twostep", "raw"] as const) : (["raw", "twostep"] as const)) {
          const ms = await changeRound(setup, pool, side);
          if (round >= warmup) times[side].push(ms);
        }
      }
      const result: PropagationResult = {
        nodes: options.nodes,
        times,
        ratio: median(times.twostep) / median(times.raw),
        serverRss: { twostep: twostepServers.rssBytes(), raw: rawServers.rssBytes() },
        clientRss: pool.rssBytes(),
        serverCpuIdle,
        settleMs: options.settleMs ?? 0,
        serverCpuRounds: rounds(),
        startSeconds,
        heartbeatMs: options.heartbeatMs ?? 3_000,
        restarts: { twostep: pool.restarts("twostep"), raw: pool.restarts("raw") },
      };
      const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
      options.log(
        `  propagation ${options.nodes}: twostep median ${median(times.twostep).toFixed(1)} ms, raw ${median(times.raw).toFixed(1)} ms; ` +
          `servers idle: ${percent(serverCpuIdle)}; over the rounds: ${percent(result.serverCpuRounds)}; ` +
          `RSS twostep ${mib(result.serverRss.twostep)}, raw ${mib(result.serverRss.raw)}; followers' RSS ${mib(result.clientRss)}`,
      );
      return result;
    } finally {
      await pool.stop();
      await setup.close();
    }
  } finally {
    await Promise.all([twostepServers.stop(), rawServers?.stop()]);
  }
}
