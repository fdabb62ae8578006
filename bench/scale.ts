/**
 * `npm run scale -- --nodes N [--live L] [--cluster] [--json]`: the fleet
 * curve of issue 15 at one size, on nats-servers started here on loopback
 * (one, or a cluster of three with every stream on three replicas):
 *
 * - N members of 50-type builds: L live nodes in child processes
 *   (default: all of them up to 3,000), heartbeating every 3 s, and the
 *   others written straight into the store (member record, build record
 *   once per build, one heartbeat reporting every record applied, a long
 *   lease);
 * - the servers' CPU over an idle window (from /proc/<pid>/stat) and their
 *   resident memory, per 1,000 members and per 1,000 live nodes;
 * - `status` on a new coordinator and connection (as `twostep status`) and
 *   again on a long-running one, `enableWrite` on a new one;
 * - propagation: a committed record change until the last of the L live
 *   nodes applied it.
 *
 * Stops by itself: everything is stopped after {@link BUDGET_MS}.
 */
import { Coordinator, type WriteLevelRecord } from "@twostep/fleet";
import { twostepRecordFormats } from "@twostep/fleet/internal";
import { connectNatsControlPlane, type NatsControlPlane } from "@twostep/nats";
import { startBenchServers } from "./fleet/bench-servers.js";
import { benchBuild, enableLevels, writeMembers } from "./fleet/direct-writes.js";
import { NodePool } from "./fleet/node-pool.js";
import { WIDE_TYPES } from "./fleet/wide-protocol.js";
import { preciseNow } from "./fleet/worker-protocol.js";
import { benchArgs } from "./bench-args.js";
import { median, quantile } from "./measure.js";

const BUDGET_MS = 90 * 60_000;
const PREFIX = "scale";
/** Followed by the propagation rounds: its level goes between 1 and 2. */
const FLIPPED = WIDE_TYPES[0] as string;
const DIRECT_LEASE_MS = 6 * 3_600_000;
const author = { actor: "scale", reason: "fleet curve" };

const cli = benchArgs(
  [
    "usage: npm run scale -- --nodes N [--live L] [--cluster] [--json] [--window-s S]",
    "",
    "The fleet curve at one size, on nats-servers started here (see docs/nats.md, sizing).",
    "  --nodes N      members in all, of 50-type builds",
    "  --live L       of them, live nodes in child processes (default: all, up to 3,000); the rest written straight into the store",
    "  --cluster      three servers, every stream on three replicas (default: one server)",
    "  --json         the result as JSON on stdout",
    "  --window-s S   the idle window the servers' CPU is measured over (default 30)",
  ].join("\n"),
  ["--nodes", "--live", "--cluster", "--json", "--window-s", "--help", "-h"],
);
const nodes = cli.option("--nodes") ?? cli.fail("--nodes is needed");
const live = Math.min(nodes, cli.option("--live") ?? 3_000);
const cluster = cli.flag("--cluster");
const windowMs = (cli.option("--window-s") ?? 30) * 1_000;
const json = cli.flag("--json");
const log = (line: string) => process.stderr.write(`${line}\n`);

const budget = setTimeout(() => {
  log(`scale: still running after ${BUDGET_MS / 60_000} min; stopping everything`);
  process.exit(1);
}, BUDGET_MS);
budget.unref();

/** What one run found. */
interface ScaleResult {
  readonly members: number;
  readonly live: number;
  readonly servers: number;
  readonly replicas: number;
  readonly natsServer: string;
  /** Seconds to write the direct members, and to start the live nodes. */
  readonly setupSeconds: { readonly direct: number; readonly live: number };
  /** Server CPU over the idle window, all servers together, in % of one core. */
  readonly serverCpuPercent: number;
  /** Resident memory of all servers together, in MiB. */
  readonly serverRssMiB: number;
  /** Of the processes holding the live nodes, in MiB. */
  readonly clientRssMiB: number;
  readonly statusNewMs: readonly number[];
  readonly statusAgainMs: readonly number[];
  readonly enableNewMs: readonly number[];
  readonly propagationMs: readonly number[];
}

async function main(): Promise<ScaleResult> {
  log(`scale: ${nodes} members (${live} live) on ${cluster ? "a cluster of 3 servers, R3" : "one server"}`);
  const servers = await startBenchServers(cluster);
  let release: NatsControlPlane | undefined;
  let pool: NodePool | undefined;
  try {
    release = await connectNatsControlPlane({
      servers: [...servers.urls],
      bucketPrefix: PREFIX,
      replicas: servers.replicas,
      beatTtlMs: DIRECT_LEASE_MS + 60_000,
    });
    await enableLevels(release, WIDE_TYPES, 1);
    // The flipped record: v1 and v2 ever written, so that every change between them is one each node applies.
    const flipped = await levelRecord(release);
    let revision = await release.append({ kind: "level", capability: FLIPPED }, encode({ ...flipped.value, everWritten: [1, 2] }), {
      expect: flipped.revision,
    });
    let started = Date.now();
    const builds = [0, 1, 2].map((variant) => benchBuild(WIDE_TYPES, variant));
    await writeMembers(release, { from: 0, count: nodes - live, builds, leaseMs: DIRECT_LEASE_MS, concurrency: cluster ? 128 : 256 });
    const direct = (Date.now() - started) / 1000;
    log(`  ${nodes - live} members written directly in ${direct.toFixed(0)} s`);
    started = Date.now();
    pool = await NodePool.start(
      { twostep: live, raw: 0 },
      { twostep: { servers: servers.urls, prefix: PREFIX, protocol: "wide", heartbeatMs: 3_000, concurrency: 20 } },
    );
    const liveSeconds = (Date.now() - started) / 1000;
    log(`  ${live} live nodes running after ${liveSeconds.toFixed(0)} s; warming up`);
    await sleep(20_000);
    const before = servers.cpuSeconds();
    await sleep(windowMs);
    const serverCpuPercent = ((servers.cpuSeconds() - before) / (windowMs / 1000)) * 100;
    const serverRssMiB = servers.rssBytes() / 2 ** 20;
    log(`  idle: server CPU ${serverCpuPercent.toFixed(1)} % of a core, RSS ${serverRssMiB.toFixed(0)} MiB`);
    const plane = release;
    const fresh = () => connectNatsControlPlane({ servers: [...servers.urls], bucketPrefix: PREFIX, create: false, name: "scale-cli" });
    const statusNewMs = await timedOn(3, fresh, async (one) => check((await new Coordinator(one).status()).memberCount));
    const warm = new Coordinator(plane);
    check((await warm.status()).memberCount);
    const statusAgainMs = await timedOn(5, undefined, async () => check((await warm.status()).memberCount));
    let type = 1;
    const enableNewMs = await timedOn(3, fresh, async (one) => void (await new Coordinator(one).enableWrite(WIDE_TYPES[type++] as string, 2, author)));
    log(
      `  status new ${median(statusNewMs).toFixed(0)} ms, again ${median(statusAgainMs).toFixed(0)} ms; enableWrite new ${median(enableNewMs).toFixed(0)} ms`,
    );
    const propagationMs: number[] = [];
    for (let round = 0; round < 13; round++) {
      const current = await levelRecord(plane);
      const start = preciseNow();
      revision = await plane.append({ kind: "level", capability: FLIPPED }, encode({ ...current.value, level: current.value.level === 1 ? 2 : 1 }), {
        expect: current.revision,
      });
      const reached = await pool.reached("twostep", revision, 120_000);
      pool.forget("twostep", revision);
      if (round >= 3) propagationMs.push(reached - start);
      await sleep(200);
    }
    log(`  propagation to the last of ${live} live nodes: median ${median(propagationMs).toFixed(0)} ms`);
    return {
      members: nodes,
      live,
      servers: servers.urls.length,
      replicas: servers.replicas,
      natsServer: servers.version,
      setupSeconds: { direct, live: liveSeconds },
      serverCpuPercent,
      serverRssMiB,
      clientRssMiB: pool.rssBytes() / 2 ** 20,
      statusNewMs,
      statusAgainMs,
      enableNewMs,
      propagationMs,
    };
  } finally {
    await pool?.stop();
    await release?.close();
    await servers.stop();
  }
}

function check(members: number): void {
  if (members !== nodes) throw new Error(`status saw ${members} members, not ${nodes}`);
}

async function levelRecord(plane: NatsControlPlane): Promise<{ value: WriteLevelRecord; revision: number }> {
  const stored = await plane.get({ kind: "level", capability: FLIPPED });
  const decoded = stored === undefined ? undefined : twostepRecordFormats.decode("level", stored.value);
  if (stored === undefined || decoded?.ok !== true) throw new Error(`the record of ${FLIPPED} cannot be read`);
  return { value: decoded.value, revision: stored.revision };
}

function encode(record: WriteLevelRecord): Uint8Array {
  return twostepRecordFormats.encode("level", { ...record, levelSince: Date.now() }, 1);
}

/** Runs `action` `runs` times, each on a control plane of its own when `connect` makes one (connected before the clock starts); ms each. */
async function timedOn(
  runs: number,
  connect: (() => Promise<NatsControlPlane>) | undefined,
  action: (plane: NatsControlPlane) => Promise<void>,
): Promise<number[]> {
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const plane = await connect?.();
    try {
      const start = performance.now();
      await action(plane as NatsControlPlane);
      times.push(performance.now() - start);
    } finally {
      await plane?.close();
    }
  }
  return times;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function print(result: ScaleResult, servers: string): void {
  const perThousand = (value: number, count: number) => (count === 0 ? "-" : (value / (count / 1000)).toFixed(2));
  const ms = (samples: readonly number[]) => `${median(samples).toFixed(0)} ms (p90 ${quantile(samples, 0.9).toFixed(0)})`;
  const lines = [
    `twostep scale: ${result.members.toLocaleString("en-US")} members (${result.live.toLocaleString("en-US")} live, heartbeats every 3 s), 50-type builds, ${servers}, nats-server ${result.natsServer}, node ${process.version}`,
    `  setup: ${result.setupSeconds.direct.toFixed(0)} s to write ${(result.members - result.live).toLocaleString("en-US")} members, ${result.setupSeconds.live.toFixed(0)} s to start the live nodes`,
    `  server CPU, idle: ${result.serverCpuPercent.toFixed(1)} % of one core (${perThousand(result.serverCpuPercent, result.live)} % per 1,000 live nodes)`,
    `  server RSS: ${result.serverRssMiB.toFixed(0)} MiB (${perThousand(result.serverRssMiB, result.members)} MiB per 1,000 members); the live nodes' processes ${result.clientRssMiB.toFixed(0)} MiB`,
    `  status, new coordinator: ${ms(result.statusNewMs)}; again, same coordinator: ${ms(result.statusAgainMs)}`,
    `  enableWrite, new coordinator: ${ms(result.enableNewMs)}`,
    `  propagation to the last of ${result.live.toLocaleString("en-US")} live nodes: ${ms(result.propagationMs)}`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

const result = await main();
if (json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
else print(result, cluster ? "3 servers, R3" : "1 server");
clearTimeout(budget);
