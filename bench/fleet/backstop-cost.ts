import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect } from "@nats-io/transport-node";
import { connectNatsControlPlane, type NatsControlPlane } from "@twostep/nats";
import { median } from "../measure.js";
import { startBenchServers } from "./bench-servers.js";
import { benchBuild, enableLevels, writeMembers } from "./direct-writes.js";
import { WIDE_TYPES } from "./wide-protocol.js";

const CONNECTIONS = 10;
const TICK_MS = 50;
/** While measuring churn, a member joins this often. */
const CHURN_MS = 100;

/** What {@link measureBackstop} found. */
export interface BackstopResult {
  readonly members: number;
  readonly followers: number;
  /** Server CPU per backstop of an idle follower, in µs, per window. */
  readonly perBackstopMicros: readonly number[];
  /** The same while members join (one every {@link CHURN_MS}, their appends included), in µs, per window. */
  readonly churnMicros: readonly number[];
  /** The baseline: server CPU per raw heartbeat `kv.put`, in µs, per window. */
  readonly perPutMicros: readonly number[];
  /** Median backstop over median put. */
  readonly ratio: number;
}

/**
 * The server CPU an idle follower's backstop costs, on a log of `members`
 * members (written straight into the store) where nothing changes:
 * `followers` followers on ten connections, each checking every
 * `resyncMs` (far more often than the default 60 s, so that backstops are
 * what the server does). Measured over windows of a hundred periods each
 * (each then holds every follower's read of every hundredth backstop),
 * after twelve periods (by then every follower read twice and checks
 * alone); then the same while a member joins every 100 ms (a fleet whose
 * log changes between any follower's backstops). The baseline is what an
 * idle node pays anyway: a heartbeat `kv.put` of a raw job, measured on
 * the same server as many times per window.
 */
export async function measureBackstop(options: {
  readonly members: number;
  readonly followers: number;
  readonly resyncMs: number;
  readonly windows: number;
  readonly log: (line: string) => void;
}): Promise<BackstopResult> {
  const servers = await startBenchServers(false);
  const planes: NatsControlPlane[] = [];
  try {
    const writer = await connectNatsControlPlane({ servers: [...servers.urls], bucketPrefix: "fleet", replicas: 1, beatTtlMs: 3 * 3_600_000 });
    planes.push(writer);
    await enableLevels(writer, WIDE_TYPES, 1);
    await writeMembers(writer, { from: 0, count: options.members, builds: [0, 1, 2].map((variant) => benchBuild(WIDE_TYPES, variant)), leaseMs: 7_200_000 });
    for (let index = 0; index < CONNECTIONS; index++) {
      planes.push(await connectNatsControlPlane({ servers: [...servers.urls], bucketPrefix: "fleet", create: false, resyncMs: options.resyncMs }));
    }
    const followers = planes.slice(1);
    for (let index = 0; index < options.followers; index++) {
      await followers[index % followers.length]?.follow({ onSnapshot: () => {}, onEntry: () => {} });
    }
    options.log(`  backstop: ${options.followers} followers of a log of ${options.members} members, each checking every ${options.resyncMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 12 * options.resyncMs));
    const windowMs = 100 * options.resyncMs;
    const backstops = options.followers * 100;
    const windows = async (): Promise<number[]> => {
      const micros: number[] = [];
      for (let window = 0; window < options.windows; window++) {
        const before = servers.cpuSeconds();
        await new Promise((resolve) => setTimeout(resolve, windowMs));
        micros.push(((servers.cpuSeconds() - before) / backstops) * 1e6);
      }
      return micros;
    };
    const perBackstopMicros = await windows();
    let joined = options.members;
    const joining = setInterval(() => {
      const nodeId = `node-${joined++}`;
      void writer.append({ kind: "member", nodeId, incarnation: "1" }, new TextEncoder().encode(JSON.stringify({ nodeId })));
    }, CHURN_MS);
    const churnMicros = await windows().finally(() => clearInterval(joining));
    for (const plane of followers) await plane.close();
    const perPutMicros = await putCost(servers.urls, backstops, windowMs, options.windows, () => servers.cpuSeconds());
    const result = {
      members: options.members,
      followers: options.followers,
      perBackstopMicros,
      churnMicros,
      perPutMicros,
      ratio: median(perBackstopMicros) / median(perPutMicros),
    };
    options.log(
      `  backstop: ${median(perBackstopMicros).toFixed(0)} µs of server CPU per backstop (${median(churnMicros).toFixed(0)} µs while members join), ` +
        `${median(perPutMicros).toFixed(0)} µs per raw heartbeat put`,
    );
    return result;
  } finally {
    await Promise.all(planes.map((plane) => plane.close()));
    await servers.stop();
  }
}

/**
 * Server CPU per raw heartbeat `kv.put` (as a raw job sends it): `count`
 * puts per window of `windowMs`, paced as the backstops were (a few every
 * 50 ms, from ten connections).
 */
async function putCost(urls: readonly string[], count: number, windowMs: number, windows: number, cpuSeconds: () => number): Promise<number[]> {
  const connections = await Promise.all(Array.from({ length: CONNECTIONS }, () => connect({ servers: [...urls] })));
  try {
    await new Kvm(jetstream(connections[0]!)).create("raw_beats", { history: 1, ttl: 60_000 });
    const buckets = await Promise.all(connections.map((connection) => new Kvm(jetstream(connection)).open("raw_beats")));
    const ticks = windowMs / TICK_MS;
    const perPut: number[] = [];
    let sent = 0;
    for (let window = 0; window < windows; window++) {
      const before = cpuSeconds();
      for (let tick = 0; tick < ticks; tick++) {
        const due = Math.round(((tick + 1) * count) / ticks) - Math.round((tick * count) / ticks);
        const puts = Array.from({ length: due }, () => {
          const index = sent++;
          const beat = JSON.stringify({ nodeId: `raw-${index % 1_000}`, beat: index, leaseMs: 15_000, applied: { "orders.OrderPlaced": 2 } });
          return buckets[index % buckets.length]!.put(`raw-${index % 1_000}`, beat);
        });
        await Promise.all([...puts, new Promise((resolve) => setTimeout(resolve, TICK_MS))]);
      }
      perPut.push(((cpuSeconds() - before) / count) * 1e6);
    }
    return perPut;
  } finally {
    await Promise.all(connections.map((connection) => connection.close()));
  }
}
