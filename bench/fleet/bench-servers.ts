import { connect } from "@nats-io/transport-node";
import { startNatsCluster, startNatsServer } from "@twostep/testkit/nats-server";
import { processUsage } from "./process-usage.js";

/** The nats-server(s) a bench runs on, started by the test kit on loopback. */
export interface BenchServers {
  /** Every server's client URL. */
  readonly urls: readonly string[];
  /** Replicas of the streams the bench creates: 3 on a cluster, else 1. */
  readonly replicas: number;
  /** Server version, as the first server says. */
  readonly version: string;
  /** The process ids of the servers running now. */
  pids(): number[];
  /** CPU seconds every server used so far, together. */
  cpuSeconds(): number;
  /** Resident memory of every server together now, in bytes. */
  rssBytes(): number;
  stop(): Promise<void>;
}

/** Starts one nats-server, or a cluster of three (`cluster`), with JetStream in temporary stores. */
export async function startBenchServers(cluster: boolean): Promise<BenchServers> {
  const started = cluster ? await startNatsCluster({ size: 3, readyTimeoutMs: 60_000 }) : await startNatsServer();
  const urls = "urls" in started ? [...started.urls] : [started.url];
  const pids = (): number[] =>
    ("servers" in started ? started.servers.map((server) => server.pid) : [started.pid]).filter((pid): pid is number => pid !== undefined);
  const probe = await connect({ servers: urls[0] ?? "" });
  const version = probe.info?.version ?? "unknown";
  await probe.close();
  return {
    urls,
    replicas: cluster ? 3 : 1,
    version,
    pids,
    cpuSeconds: () => pids().reduce((sum, pid) => sum + processUsage(pid).cpuSeconds, 0),
    rssBytes: () => pids().reduce((sum, pid) => sum + processUsage(pid).rssBytes, 0),
    stop: () => started.stop(),
  };
}
