import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { DeliverPolicy, jetstream } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { Coordinator } from "@twostep/fleet";
import { connectNatsControlPlane, type NatsControlPlane } from "@twostep/nats";
import { median } from "../measure.js";
import { type BenchServers, startBenchServers } from "./bench-servers.js";
import { type DashboardCost, measureDashboardEvent } from "./dashboard-cost.js";
import { benchBuild, enableLevels, writeMembers } from "./direct-writes.js";
import { NodePool } from "./node-pool.js";
import { WIDE_TYPES } from "./wide-protocol.js";

const PREFIX = "fleet";
/** Lease of the members written straight into the store: long enough to stay live for the whole run without heartbeating. */
const DIRECT_LEASE_MS = 7_200_000;
const author = { actor: "bench", reason: "coordinator bench" };
const utf8 = new TextDecoder();

/** Times at one fleet size, in ms per run. */
export interface CoordinatorTimes {
  readonly members: number;
  /** `Coordinator.status()` on a new coordinator and a new connection each time (as `twostep status` runs). */
  readonly coldStatus: readonly number[];
  /** The `twostep status` command, a new process each time: what a person waits for (the CLI's start and its first, cold run included). */
  readonly commandStatus: readonly number[];
  /** `status()` again on one long-running coordinator, nothing changed but the live nodes' heartbeats. */
  readonly warmStatus: readonly number[];
  /** The raw floor: every last message of the log and of the heartbeats read with one ordered consumer each, and parsed as JSON. */
  readonly rawRead: readonly number[];
  /** `enableWrite` of a new level on a new coordinator and connection each time (as `twostep enable-write` runs): a read, an intent, a read as of the intent, the commit. */
  readonly coldEnable: readonly number[];
  /** The same on one long-running coordinator. */
  readonly warmEnable: readonly number[];
  /** What the dashboard spends on each read of this fleet, and sends. */
  readonly dashboard: DashboardCost;
}

/** What {@link measureCoordinator} found. */
export interface CoordinatorResult {
  readonly live: number;
  readonly types: number;
  readonly sizes: readonly CoordinatorTimes[];
  readonly serverRss: number;
}

/**
 * `status` and `enableWrite` of a fleet of 50-type builds, on one fresh
 * server (or a cluster): at each size in `sizes`, most members written
 * straight into the store (member record, build record once per build,
 * one heartbeat reporting every record applied, a long lease) and `live`
 * real nodes in child processes, heartbeating every 3 s. Sizes grow in
 * order, adding members.
 */
export async function measureCoordinator(options: {
  readonly sizes: readonly number[];
  readonly live: number;
  readonly runs: number;
  /** Enables measured per kind at each size (each enables v2 of another type); at most 24. */
  readonly enables: number;
  readonly cluster?: boolean;
  readonly log: (line: string) => void;
  /** Called after each size with the servers and the live nodes, for the scale run's own figures. */
  readonly atSize?: (members: number, servers: BenchServers, pool: NodePool) => Promise<void>;
}): Promise<CoordinatorResult> {
  const servers = await startBenchServers(options.cluster ?? false);
  let release: NatsControlPlane | undefined;
  let pool: NodePool | undefined;
  let raw: NatsConnection | undefined;
  try {
    release = await connectNatsControlPlane({ servers: [...servers.urls], bucketPrefix: PREFIX, replicas: servers.replicas, beatTtlMs: 3 * 3_600_000 });
    raw = await connect({ servers: [...servers.urls], name: "bench-raw-reader" });
    await enableLevels(release, WIDE_TYPES, 1);
    const builds = [0, 1, 2].map((variant) => benchBuild(WIDE_TYPES, variant));
    const started = Date.now();
    pool = await NodePool.start(
      { twostep: options.live, raw: 0 },
      { twostep: { servers: servers.urls, prefix: PREFIX, protocol: "wide", heartbeatMs: 3_000, concurrency: 25 } },
    );
    options.log(`  coordinator: ${options.live} live nodes of 50 types running after ${((Date.now() - started) / 1000).toFixed(0)} s`);
    const sizes: CoordinatorTimes[] = [];
    let written = 0;
    let nextType = 1;
    const warm = new Coordinator(release);
    for (const members of options.sizes) {
      const direct = members - options.live;
      const begun = Date.now();
      await writeMembers(release, { from: written, count: direct - written, builds, leaseMs: DIRECT_LEASE_MS });
      written = direct;
      options.log(`  coordinator: ${members} members (${direct} written directly in ${((Date.now() - begun) / 1000).toFixed(1)} s)`);
      const connection = raw;
      // A new coordinator on a new connection, as a `twostep` command runs (the connection is made before the clock starts).
      const fresh = () => connectNatsControlPlane({ servers: [...servers.urls], bucketPrefix: PREFIX, create: false, name: "bench-cli" });
      const coldStatus = await timed(
        options.runs,
        1,
        fresh,
        (plane) => new Coordinator(plane!).status(),
        (status) => check(status.memberCount, members),
      );
      const commandStatus = await timed(
        options.runs,
        0,
        undefined,
        () => statusCommand(servers.urls),
        () => {},
      );
      await warm.status();
      const warmStatus = await timed(
        options.runs,
        1,
        undefined,
        () => warm.status(),
        (status) => check(status.memberCount, members),
      );
      const dashboard = measureDashboardEvent(await warm.status(), options.runs);
      const rawRead = await timed(
        options.runs,
        1,
        undefined,
        () => rawReadAll(connection),
        (read) => check(read.members, members),
      );
      const enables = Math.min(options.enables, Math.floor((WIDE_TYPES.length - nextType) / 2));
      const coldEnable = await timed(
        enables,
        0,
        fresh,
        (plane) => new Coordinator(plane!).enableWrite(WIDE_TYPES[nextType++]!, 2, author),
        () => {},
      );
      const warmEnable = await timed(
        enables,
        0,
        undefined,
        () => warm.enableWrite(WIDE_TYPES[nextType++]!, 2, author),
        () => {},
      );
      const times = { members, coldStatus, commandStatus, warmStatus, rawRead, coldEnable, warmEnable, dashboard };
      options.log(
        `  coordinator ${members}: status new ${median(coldStatus).toFixed(0)} ms, twostep status ${median(commandStatus).toFixed(0)} ms, again ${median(warmStatus).toFixed(0)} ms, raw read ${median(rawRead).toFixed(0)} ms, ` +
          `enable new ${median(coldEnable).toFixed(0)} ms, again ${median(warmEnable).toFixed(0)} ms`,
      );
      sizes.push(times);
      await options.atSize?.(members, servers, pool);
    }
    return { live: options.live, types: WIDE_TYPES.length, sizes, serverRss: servers.rssBytes() };
  } finally {
    await pool?.stop();
    await Promise.all([release?.close(), raw?.close()]);
    await servers.stop();
  }
}

function check(seen: number, expected: number): void {
  if (seen !== expected) throw new Error(`the bench saw ${seen} members, not ${expected}`);
}

/**
 * Runs `action` `warmup + runs` times in a row, each on a control plane of
 * its own when `connect` makes one (connected before the clock starts,
 * closed after); returns the ms of the last `runs`, each result checked.
 */
async function timed<T>(
  runs: number,
  warmup: number,
  connect: (() => Promise<NatsControlPlane>) | undefined,
  action: (plane: NatsControlPlane | undefined) => Promise<T>,
  checkResult: (result: T) => void,
): Promise<number[]> {
  const times: number[] = [];
  for (let run = 0; run < warmup + runs; run++) {
    const plane = await connect?.();
    try {
      const start = performance.now();
      const result = await action(plane);
      if (run >= warmup) times.push(performance.now() - start);
      checkResult(result);
    } finally {
      await plane?.close();
    }
  }
  return times;
}

/** The `twostep` command, as npm installs it. */
const TWOSTEP_BIN = fileURLToPath(new URL("../../../packages/cli/bin/twostep.js", import.meta.url));

/** Runs `twostep status` against the bench's servers, its text to nowhere; rejects when it fails. */
async function statusCommand(urls: readonly string[]): Promise<void> {
  await promisify(execFile)(process.execPath, [TWOSTEP_BIN, "status", "--nats", urls.join(","), "--prefix", PREFIX], {
    maxBuffer: 256 * 2 ** 20,
    env: { ...process.env, NO_COLOR: "1" },
  });
}

/** The raw floor of a fleet read: the last message of every subject of the log and of the heartbeats, parsed as JSON. Counts the members. */
async function rawReadAll(connection: NatsConnection): Promise<{ members: number }> {
  const [fleet] = await Promise.all([
    readLast(connection, `${PREFIX.toUpperCase()}_FLEET`, `${PREFIX}.fleet.>`),
    readLast(connection, `KV_${PREFIX}_beats`, `$KV.${PREFIX}_beats.>`),
  ]);
  return { members: fleet.filter((subject) => subject.startsWith(`${PREFIX}.fleet.m.`)).length };
}

async function readLast(connection: NatsConnection, stream: string, filter: string): Promise<string[]> {
  const consumer = await jetstream(connection).consumers.get(stream, { filter_subjects: filter, deliver_policy: DeliverPolicy.LastPerSubject });
  const info = await consumer.info(true);
  const subjects: string[] = [];
  if (info.num_pending === 0) return subjects;
  const messages = await consumer.consume({ max_messages: 1_000 });
  // The last message of each subject as of the consumer's creation: as many as it had pending then (its pending count per message is not always right on 2.9.10).
  for await (const message of messages) {
    if (message.data.length > 0) JSON.parse(utf8.decode(message.data));
    subjects.push(message.subject);
    if (subjects.length >= info.num_pending) break;
  }
  return [...new Set(subjects)];
}
