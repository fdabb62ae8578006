/**
 * `npm run load`: the fleet at 1,000 nodes on one local nats-server.
 *
 *   npm run load -- [--nodes 1000] [--processes 4] [--steady-seconds 20] [--json]
 *
 * Starts a nats-server on loopback, a coordinator process (which opens
 * writes: shipments v1 and a flag v1) and `processes` node processes (real
 * `startNode`s on the NATS control plane, one connection each, heartbeating
 * every 3 s with the default 15 s lease); the last process runs a build that
 * cannot read shipments v2. The coordinator changes the flag's level without
 * pause. Then the last batch is redeployed: killed where it stands (its
 * incarnations stay members: crashed processes do not leave) and started
 * again with the same node ids on a build that reads v2; the coordinator
 * dry-runs `enable-write shipments 2` until nobody blocks it,
 * decommissioning each crashed incarnation once its lease and the clock
 * margin have passed since its last heartbeat. Prints the coordinator's CPU
 * and memory, heartbeat throughput, `status()` latency, how fast level
 * changes reach every node, and the time to read-ready. Exits 1 when the
 * fleet did not get read-ready or a heartbeat failed. Everything stops by
 * itself: a hard stop kills every process after 4 minutes.
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { startNatsServer } from "@twostep/testkit/nats-server";
import { percentile, type LoadCommand, type LoadReport } from "../support/load-messages.js";
import { printTable } from "../support/print-table.js";
import { SHIPMENT } from "../support/shipment-protocol.js";
import type { NodesConfig } from "./load-nodes.js";

/** What the load test measured; `--json` prints it as it is. */
interface LoadResult {
  readonly nodes: number;
  readonly processes: number;
  readonly heartbeatMs: number;
  readonly bootSeconds: number;
  readonly heartbeatsPerSecond: number;
  readonly failedHeartbeats: number;
  readonly statusMs: { members: number; p50: number; p95: number; max: number };
  readonly levelChanges: {
    committed: number;
    refused: number;
    /** Refusals per error code: UNSAFE_CHANGE (a member had not applied the last record yet), REVISION_CONFLICT, ... */
    refusedByCode: Record<string, number>;
    perMinute: number;
    latencyMs: { p50: number; max: number };
    toAllNodesMs: { samples: number; p50: number; max: number };
  };
  readonly coordinator: { cpuPercentOfOneCore: number; cpuSeconds: number; wallSeconds: number; peakRssMiB: number; peakHeapMiB: number };
  readonly readReady: {
    ready: boolean;
    blockersBefore: number;
    batchNodes: number;
    batchStartSeconds: number;
    afterRedeployBeganSeconds: number;
    planMs: { polls: number; p50: number; max: number };
    decommissioned: { count: number; p50Ms: number; maxMs: number };
    /** Dry runs that failed, per error code. */
    failedDryRuns: Record<string, number>;
  };
  readonly totalSeconds: number;
}

const { values } = parseArgs({
  options: {
    nodes: { type: "string", default: "1000" },
    processes: { type: "string", default: "4" },
    "steady-seconds": { type: "string", default: "20" },
    "heartbeat-ms": { type: "string", default: "3000" },
    json: { type: "boolean", default: false },
  },
});
const nodeCount = Number(values.nodes);
const processes = Number(values.processes);
const steadyMs = Number(values["steady-seconds"]) * 1000;
const heartbeatMs = Number(values["heartbeat-ms"]);
if (![nodeCount, processes, steadyMs, heartbeatMs].every((value) => Number.isSafeInteger(value) && value > 0)) {
  console.error("--nodes, --processes, --steady-seconds and --heartbeat-ms take whole numbers above 0");
  process.exit(2);
}
const perProcess = Math.ceil(nodeCount / processes);
const prefix = "load";
const log = (line: string): void => void (values.json ? process.stderr : process.stdout).write(`[${((Date.now() - began) / 1000).toFixed(1)} s] ${line}\n`);

/** A child process and every report it sent, with when it arrived. */
class Child {
  readonly process: ChildProcess;
  readonly reports: { readonly report: LoadReport; readonly at: number }[] = [];
  readonly #waiters: { readonly type: LoadReport["type"]; readonly resolve: (report: LoadReport) => void }[] = [];

  constructor(script: string, config: unknown) {
    this.process = fork(fileURLToPath(new URL(script, import.meta.url)), [JSON.stringify(config)], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      env: { ...process.env, TWOSTEP_LOG_LEVEL: process.env["TWOSTEP_LOG_LEVEL"] ?? "error" },
    });
    children.add(this);
    this.process.on("message", (report: LoadReport) => {
      this.reports.push({ report, at: Date.now() });
      for (const waiter of this.#waiters.filter((candidate) => candidate.type === report.type)) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve(report);
      }
    });
  }

  send(command: LoadCommand): void {
    this.process.send(command);
  }

  /** The next report of `type` (or one already received, with `past`), within `ms`. */
  next<T extends LoadReport["type"]>(type: T, ms: number, past = false): Promise<Extract<LoadReport, { type: T }>> {
    const seen = past ? this.reports.find((entry) => entry.report.type === type) : undefined;
    if (seen !== undefined) return Promise.resolve(seen.report as Extract<LoadReport, { type: T }>);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${type} report within ${ms / 1000} s`)), ms);
      this.#waiters.push({
        type,
        resolve: (report) => {
          clearTimeout(timer);
          resolve(report as Extract<LoadReport, { type: T }>);
        },
      });
    });
  }

  /** The latest progress report, if any. */
  progress(): { report: Extract<LoadReport, { type: "progress" }>; at: number } | undefined {
    const entry = this.reports.findLast((candidate) => candidate.report.type === "progress");
    return entry === undefined ? undefined : { report: entry.report as Extract<LoadReport, { type: "progress" }>, at: entry.at };
  }

  /** Asks it to end and waits for its exit, killing it after `ms`. */
  async end(ms: number): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = new Promise((resolve) => this.process.once("exit", resolve));
    this.send({ type: "end" });
    const killer = setTimeout(() => this.process.kill("SIGKILL"), ms);
    await exited;
    clearTimeout(killer);
  }

  kill(): Promise<unknown> {
    const exited = new Promise((resolve) => this.process.once("exit", resolve));
    this.process.kill("SIGKILL");
    return exited;
  }
}

const children = new Set<Child>();
const began = Date.now();
// Whatever happens, nothing outlives this: a hard stop at 240 s (the test kit kills the nats-server when this process exits).
const hardStop = setTimeout(() => {
  console.error("load test: still running after 240 s, stopping everything");
  for (const child of children) child.process.kill("SIGKILL");
  process.exit(1);
}, 240_000);
hardStop.unref();

const server = await startNatsServer();
try {
  const coordinator = new Child("./load-coordinator.js", { url: server.url, prefix });
  await coordinator.next("ready", 30_000, true);
  log(`nats-server on ${server.url}; coordinator ready; starting ${nodeCount} nodes in ${processes} processes`);

  const bootStarted = Date.now();
  const batch = (index: number, newest: 1 | 2): Child => {
    const config: NodesConfig = {
      url: server.url,
      prefix,
      batch: index,
      count: Math.min(perProcess, nodeCount - index * perProcess),
      newest,
      heartbeatMs,
      concurrency: 16,
    };
    return new Child("./load-nodes.js", config);
  };
  const batches = Array.from({ length: processes }, (_, index) => batch(index, index === processes - 1 ? 1 : 2));
  const boots = await Promise.all(batches.map((child) => child.next("started", 90_000, true)));
  const bootMs = Date.now() - bootStarted;
  log(`${boots.reduce((sum, boot) => sum + boot.nodes, 0)} nodes joined in ${(bootMs / 1000).toFixed(1)} s`);

  coordinator.send({ type: "begin" });
  const steadyStart = Date.now();
  const heartbeatsNow = () => batches.map((child) => child.progress()).filter((entry) => entry !== undefined);
  await sleep(1_000);
  const startCounts = heartbeatsNow();
  coordinator.send({ type: "measure-status", runs: 10 });
  const statusTimes = await coordinator.next("status-times", 60_000);
  log(`status() at ${statusTimes.members} members: p50 ${percentile(statusTimes.ms, 50).toFixed(0)} ms`);
  await sleep(Math.max(0, steadyStart + steadyMs - Date.now()));
  const endCounts = heartbeatsNow();
  const heartbeatWindow = (Math.min(...endCounts.map((entry) => entry.at)) - Math.max(...startCounts.map((entry) => entry.at))) / 1000;
  const sum = (entries: typeof startCounts, key: "heartbeats" | "failedHeartbeats") => entries.reduce((total, entry) => total + entry.report[key], 0);
  const heartbeatsPerSecond = (sum(endCounts, "heartbeats") - sum(startCounts, "heartbeats")) / heartbeatWindow;
  const failedHeartbeats = sum(endCounts, "failedHeartbeats");
  const changesBeforeRedeploy = coordinator.reports.length;
  log(`steady: ${heartbeatsPerSecond.toFixed(0)} heartbeats/s; redeploying the last batch on a build that reads v2`);

  // The redeploy: the old build dies where it stands (its incarnations stay members), the new one starts with the same node ids.
  const old = batches.pop();
  if (old !== undefined) {
    await old.kill();
    children.delete(old);
  }
  const redeployStarted = Date.now();
  // Read-ready takes at least the crashed incarnations' leases and the clock margin (20 s): only then may they be decommissioned.
  coordinator.send({ type: "watch-ready", capability: SHIPMENT, level: 2, timeoutMs: 90_000 });
  const redeployed = batch(processes - 1, 2);
  const [ready, restarted] = await Promise.all([coordinator.next("read-ready", 105_000), redeployed.next("started", 105_000, true)]);
  batches.push(redeployed);
  log(
    `read-ready ${((ready.at - redeployStarted) / 1000).toFixed(1)} s after the redeploy began (${ready.polls} dry runs, ${ready.decommissionMs.length} decommissions)`,
  );

  coordinator.send({ type: "end" });
  const usage = await coordinator.next("usage", 30_000);
  await Promise.all([...children].map((child) => child.end(20_000)));

  const changes = coordinator.reports.flatMap((entry, index) =>
    entry.report.type === "change" ? [{ ...entry.report, receivedAt: entry.at, beforeRedeploy: index < changesBeforeRedeploy }] : [],
  );
  const committed = changes.filter((change) => !change.refused);
  // From the coordinator's report of a committed change to the first moment every node process reported all its nodes on it.
  const propagation = committed
    .filter((change) => change.beforeRedeploy)
    .map((change) => {
      const seen = batches
        .slice(0, processes - 1)
        .map((child) => child.reports.find((entry) => entry.report.type === "progress" && entry.report.oldestFlagChange >= change.changedAt)?.at);
      return seen.every((at) => at !== undefined) ? Math.max(0, Math.max(...(seen as number[])) - change.receivedAt) : undefined;
    })
    .filter((ms) => ms !== undefined);
  const result: LoadResult = {
    nodes: boots.reduce((total, boot) => total + boot.nodes, 0),
    processes,
    heartbeatMs,
    bootSeconds: bootMs / 1000,
    heartbeatsPerSecond: Math.round(heartbeatsPerSecond),
    failedHeartbeats,
    statusMs: { members: statusTimes.members, p50: percentile(statusTimes.ms, 50), p95: percentile(statusTimes.ms, 95), max: Math.max(...statusTimes.ms) },
    levelChanges: {
      committed: committed.length,
      refused: changes.length - committed.length,
      refusedByCode: countCodes(changes.filter((change) => change.refused).map((change) => /\((\w+)\)$/.exec(change.request)?.[1] ?? "?")),
      perMinute: (committed.length / usage.wallMs) * 60_000,
      latencyMs: {
        p50: percentile(
          committed.map((change) => change.ms),
          50,
        ),
        max: Math.max(...committed.map((change) => change.ms)),
      },
      toAllNodesMs: { samples: propagation.length, p50: percentile(propagation, 50), max: Math.max(...propagation) },
    },
    coordinator: {
      cpuPercentOfOneCore: (usage.cpuMs / usage.wallMs) * 100,
      cpuSeconds: usage.cpuMs / 1000,
      wallSeconds: usage.wallMs / 1000,
      peakRssMiB: usage.peakRssBytes / 2 ** 20,
      peakHeapMiB: usage.peakHeapBytes / 2 ** 20,
    },
    readReady: {
      ready: ready.ready,
      blockersBefore: ready.blockersAtStart,
      batchNodes: restarted.nodes,
      batchStartSeconds: restarted.ms / 1000,
      afterRedeployBeganSeconds: (ready.at - redeployStarted) / 1000,
      planMs: { polls: ready.polls, p50: percentile(ready.planMs, 50), max: Math.max(...ready.planMs) },
      decommissioned: { count: ready.decommissionMs.length, p50Ms: percentile(ready.decommissionMs, 50), maxMs: Math.max(0, ...ready.decommissionMs) },
      failedDryRuns: countCodes(ready.refusals),
    },
    totalSeconds: (Date.now() - began) / 1000,
  };
  if (values.json) console.log(JSON.stringify(result, null, 2));
  else printResult(result);
  process.exitCode = ready.ready && failedHeartbeats === 0 ? 0 : 1;
} finally {
  for (const child of children) child.process.kill("SIGKILL");
  await server.stop();
  clearTimeout(hardStop);
}

function printResult(result: LoadResult): void {
  const ms = (value: number) => `${value.toFixed(0)} ms`;
  const s = (value: number) => `${value.toFixed(1)} s`;
  printTable(
    ["measure", "value"],
    [
      ["nodes (processes)", `${result.nodes} (${result.processes})`],
      ["all nodes joined in", s(result.bootSeconds)],
      [`heartbeats/s (every ${result.heartbeatMs / 1000} s per node)`, `${result.heartbeatsPerSecond}`],
      ["failed heartbeats", `${result.failedHeartbeats}`],
      [
        `status() at ${result.statusMs.members} members p50 / p95 / max`,
        `${ms(result.statusMs.p50)} / ${ms(result.statusMs.p95)} / ${ms(result.statusMs.max)}`,
      ],
      [
        "level changes committed (refused)",
        `${result.levelChanges.committed} (${result.levelChanges.refused}), ${result.levelChanges.perMinute.toFixed(0)}/min`,
      ],
      ["level changes refused, by code", codes(result.levelChanges.refusedByCode)],
      ["level change latency p50 / max", `${ms(result.levelChanges.latencyMs.p50)} / ${ms(result.levelChanges.latencyMs.max)}`],
      [
        `change reaches all nodes p50 / max (${result.levelChanges.toAllNodesMs.samples} changes)`,
        `${ms(result.levelChanges.toAllNodesMs.p50)} / ${ms(result.levelChanges.toAllNodesMs.max)}`,
      ],
      [
        "coordinator CPU (of one core)",
        `${result.coordinator.cpuPercentOfOneCore.toFixed(1)} % (${s(result.coordinator.cpuSeconds)} in ${s(result.coordinator.wallSeconds)})`,
      ],
      ["coordinator peak RSS / heap", `${result.coordinator.peakRssMiB.toFixed(0)} MiB / ${result.coordinator.peakHeapMiB.toFixed(0)} MiB`],
      ["read-ready: blockers of v2 before", `${result.readReady.blockersBefore}`],
      [`read-ready: ${result.readReady.batchNodes} v2 readers started in`, s(result.readReady.batchStartSeconds)],
      ["read-ready after the v2 batch started", result.readReady.ready ? s(result.readReady.afterRedeployBeganSeconds) : "NOT READY"],
      [
        "dry run of the enable during the wait p50 / max",
        `${ms(result.readReady.planMs.p50)} / ${ms(result.readReady.planMs.max)} (${result.readReady.planMs.polls} dry runs)`,
      ],
      [
        "crashed incarnations decommissioned, p50 / max each",
        `${result.readReady.decommissioned.count}, ${ms(result.readReady.decommissioned.p50Ms)} / ${ms(result.readReady.decommissioned.maxMs)}`,
      ],
      ["dry runs failed during the wait, by code", codes(result.readReady.failedDryRuns)],
      ["total run time", s(result.totalSeconds)],
    ],
  );
}

function countCodes(list: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const code of list) counts[code] = (counts[code] ?? 0) + 1;
  return counts;
}

function codes(counts: Readonly<Record<string, number>>): string {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? "none" : entries.map(([code, count]) => `${code} ${count}`).join(", ");
}
