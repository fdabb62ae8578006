/**
 * `npm run bench`: the goals of issue 15, each against its raw baseline
 * measured in the same run, with heartbeats on, on nats-servers started
 * here on loopback.
 *
 *   npm run bench -- [--only codec,idle,backstop,delivery,propagation,coordinator] [--json]
 *                    [--nodes-10k | --propagation-nodes N,N...] [--heartbeat-ms-10k MS] [--settle-ms MS] [--rounds N] [--idle-nodes N] [--codec-rounds N] [--codec-repeat P]
 *
 * - codec: every path of the shop protocol through `Protocol` and a
 *   `FleetNode` against raw protobufjs or zod (in a process of its own);
 * - idle: nats-server CPU per idle node against a raw `kv.watch` follower
 *   with a raw heartbeat `kv.put` at the same period;
 * - backstop: nats-server CPU per backstop check of an idle follower on a
 *   log of 10,000 members, against a raw heartbeat `kv.put` (not a goal:
 *   what the backstop adds to an idle node at fleet scale);
 * - delivery: a follower's client CPU per change, 750 twostep nodes (of the
 *   shop protocol, then of 50 types) against 750 raw `kv.watch` followers,
 *   each side in a worker process of its own (not a goal: what decides
 *   propagation once followers saturate the cores);
 * - propagation: a committed change to the last of N nodes against raw
 *   `kv.watch` to N watchers (N = 1,000 and 3,000; 10,000 with `--nodes-10k`,
 *   whose followers heartbeat every 10 s, `--heartbeat-ms-10k`, as 3,000 do
 *   every 3 s: 20,000 followers heartbeating every 3 s need more than the two
 *   cores of the machine this is measured on);
 * - coordinator: `status` and `enableWrite` at 1,000 and 10,000 members of
 *   50-type builds, a new coordinator and a long-running one, and the
 *   `twostep status` command itself (a new process); and one event of the
 *   dashboard's feed against the whole `status --json` it sent before.
 *
 * Prints the figures, the ratios and PASS or MISS per goal; a MISS does not
 * fail the command. Stops by itself (everything is stopped after
 * {@link BUDGET_MS}).
 */
import { runCodecBench } from "./codec-bench.js";
import { type BackstopResult, measureBackstop } from "./fleet/backstop-cost.js";
import { type CoordinatorResult, measureCoordinator } from "./fleet/coordinator-times.js";
import { type DeliveryResult, measureDelivery } from "./fleet/delivery-cost.js";
import { type IdleResult, measureIdleCost } from "./fleet/idle-cost.js";
import { measurePropagation, type PropagationResult } from "./fleet/propagation.js";
import { CODEC_TARGET, type CodecResult, codecRows, codecVerdict, formatBytes, formatMs, type GoalRow, goalTable } from "./goals.js";
import { median } from "./measure.js";
import { benchArgs } from "./bench-args.js";

const BUDGET_MS = 60 * 60_000;
const PROPAGATION_TARGET = 1.2;
const IDLE_TARGET = 1.2;
const STATUS_TARGET_MS = 200;
const ENABLE_TARGET_MS = 500;
/** Status again at 10x the (unchanged) members may take at most this many times as long: sub-linear. */
const SUBLINEAR_TARGET = 2;

const cli = benchArgs(
  [
    "usage: npm run bench -- [--only PARTS] [--json] [--nodes-10k | --propagation-nodes N,N...] [--heartbeat-ms-10k MS]",
    "                        [--settle-ms MS] [--rounds N] [--idle-nodes N] [--codec-rounds N] [--codec-repeat P]",
    "",
    "Measures the goals of issue 15 against raw baselines measured in the same run, on nats-servers started here.",
    "  --only PARTS            some of codec,idle,backstop,delivery,propagation,coordinator (default: all)",
    "  --json                  the results as JSON on stdout, nothing on stderr",
    "  --nodes-10k             propagation at 1,000, 3,000 and 10,000 nodes (default: 1,000 and 3,000)",
    "  --propagation-nodes N   propagation at these sizes, comma-separated",
    "  --heartbeat-ms-10k MS   the heartbeat period of 10,000 followers (default 10,000)",
    "  --settle-ms MS          the pause before each propagation round",
    "  --rounds N              propagation rounds (default 15; delivery twice as many)",
    "  --idle-nodes N          idle nodes per side (default 1,000)",
    "  --codec-rounds N        codec rounds per process (default 15)",
    "  --codec-repeat P        codec processes per path (default 3)",
  ].join("\n"),
  [
    "--only",
    "--json",
    "--nodes-10k",
    "--propagation-nodes",
    "--heartbeat-ms-10k",
    "--settle-ms",
    "--rounds",
    "--idle-nodes",
    "--codec-rounds",
    "--codec-repeat",
    "--help",
    "-h",
  ],
);
const option = (name: string, fallback: number): number => cli.option(name) ?? fallback;
/** The fleet sizes propagation is measured at: `--propagation-nodes`, or 1,000 and 3,000 (and 10,000 with `--nodes-10k`). */
const propagationSizes = (): number[] => {
  const given = cli.text("--propagation-nodes");
  if (given === undefined) return cli.flag("--nodes-10k") ? [1_000, 3_000, 10_000] : [1_000, 3_000];
  const sizes = given.split(",").map(Number);
  return sizes.every((size) => Number.isInteger(size) && size > 0) ? sizes : cli.fail("--propagation-nodes takes positive integers, separated by commas");
};
const PARTS = ["codec", "idle", "backstop", "delivery", "propagation", "coordinator"];
const parts = new Set(cli.text("--only")?.split(",") ?? PARTS);
for (const part of parts) if (!PARTS.includes(part)) cli.fail(`--only: no part ${JSON.stringify(part)}; the parts are ${PARTS.join(",")}`);
const json = cli.flag("--json");
const log = (line: string) => {
  if (!json) process.stderr.write(`${line}\n`);
};

const budget = setTimeout(() => {
  process.stderr.write(`bench: still running after ${BUDGET_MS / 60_000} min; stopping everything\n`);
  // Servers and worker processes go with this process (exit hooks, IPC channels).
  process.exit(1);
}, BUDGET_MS);
budget.unref();

const results: {
  codec?: CodecResult[];
  idle?: IdleResult;
  backstop?: BackstopResult;
  delivery?: DeliveryResult[];
  propagation?: PropagationResult[];
  coordinator?: CoordinatorResult;
} = {};

if (parts.has("codec")) {
  log("codec: every path of the shop protocol (each in a process of its own)");
  results.codec = await runCodecBench({ rounds: option("--codec-rounds", 15), repeat: option("--codec-repeat", 3), log });
}
if (parts.has("idle")) {
  const nodes = option("--idle-nodes", 1_000);
  log(`idle: ${nodes} idle nodes against ${nodes} raw jobs, each side alone on a fresh server`);
  results.idle = await measureIdleCost({ nodes, warmupMs: 15_000, windowMs: 20_000, windows: 3, passes: 2, log });
}
if (parts.has("backstop")) {
  log("backstop: an idle follower's backstop check on a log of 10,000 members, against a raw heartbeat put");
  results.backstop = await measureBackstop({ members: 10_000, followers: 100, resyncMs: 200, windows: 2, log });
}
if (parts.has("delivery")) {
  results.delivery = [];
  for (const protocol of ["shop", "wide"] as const) {
    log(
      `delivery: a follower's client CPU per change, 750 twostep nodes of ${protocol === "wide" ? "50 types" : "the shop protocol"}, then 750 raw kv.watch followers`,
    );
    results.delivery.push(await measureDelivery({ followers: 750, rounds: option("--rounds", 15) * 2, idleMs: 9_000, protocol, log }));
  }
}
if (parts.has("propagation")) {
  results.propagation = [];
  for (const nodes of propagationSizes()) {
    const heartbeatMs = nodes >= 10_000 ? option("--heartbeat-ms-10k", 10_000) : 3_000;
    log(`propagation: ${nodes} nodes and ${nodes} raw watchers, each side on a server of its own, heartbeats every ${heartbeatMs / 1000} s`);
    const settle = cli.option("--settle-ms");
    const settleMs = settle === undefined ? {} : { settleMs: settle };
    results.propagation.push(await measurePropagation({ nodes, rounds: option("--rounds", 15), heartbeatMs, ...settleMs, log }));
  }
}
if (parts.has("coordinator")) {
  log("coordinator: status and enableWrite at 1,000 and 10,000 members of 50-type builds");
  results.coordinator = await measureCoordinator({ sizes: [1_000, 10_000], live: 300, runs: 7, enables: 7, log });
}

if (json) {
  process.stdout.write(`${JSON.stringify({ node: process.version, ...results }, null, 2)}\n`);
} else {
  const rows: GoalRow[] = [];
  if (results.idle !== undefined) {
    const idle = results.idle;
    rows.push({
      goal: `idle node, nats-server CPU (${idle.nodes} nodes, heartbeats every 3 s)`,
      baseline: `kv.watch + kv.put beat: ${idle.perNodeMicros.raw.toFixed(1)} µs/s per node`,
      subject: `${idle.perNodeMicros.twostep.toFixed(1)} µs/s per node`,
      ratio: `${idle.ratio.toFixed(2)}x`,
      target: `<= ${IDLE_TARGET.toFixed(2)}x`,
      met: idle.ratio <= IDLE_TARGET,
    });
  }
  for (const result of results.propagation ?? []) {
    // Settled followers are idle nodes at this size: the idle goal again, measured beside the propagation rounds.
    if (result.settleMs > 0) {
      const cores = (side: "twostep" | "raw") => `${(100 * result.serverCpuIdle[side]).toFixed(1)}% of a core`;
      const ratio = result.serverCpuIdle.twostep / result.serverCpuIdle.raw;
      rows.push({
        goal: `idle nodes, nats-server CPU (${result.nodes.toLocaleString("en-US")} nodes settled ${(result.settleMs / 60_000).toFixed(0)} min, heartbeats every ${result.heartbeatMs / 1000} s)`,
        baseline: `kv.watch + kv.put beat: ${cores("raw")}`,
        subject: cores("twostep"),
        ratio: `${ratio.toFixed(2)}x`,
        target: `<= ${IDLE_TARGET.toFixed(2)}x`,
        met: ratio <= IDLE_TARGET,
      });
    }
    rows.push({
      goal: `propagation to the last of ${result.nodes.toLocaleString("en-US")} nodes (median, heartbeats every ${result.heartbeatMs / 1000} s)`,
      baseline: `kv.watch: ${formatMs(median(result.times.raw))}`,
      subject: formatMs(median(result.times.twostep)),
      ratio: `${result.ratio.toFixed(2)}x`,
      target: `<= ${PROPAGATION_TARGET.toFixed(2)}x`,
      met: result.ratio <= PROPAGATION_TARGET,
    });
  }
  const sizes = results.coordinator?.sizes ?? [];
  const largest = sizes.at(-1);
  const smallest = sizes[0];
  if (largest !== undefined) {
    const members = largest.members.toLocaleString("en-US");
    const raw = median(largest.rawRead);
    for (const [what, samples, target] of [
      ["status, new coordinator", largest.coldStatus, STATUS_TARGET_MS],
      ["enableWrite, new coordinator", largest.coldEnable, ENABLE_TARGET_MS],
      ["enableWrite, same coordinator", largest.warmEnable, ENABLE_TARGET_MS],
    ] as const) {
      rows.push({
        goal: `${what}, ${members} members of 50-type builds (median)`,
        baseline: `raw read of the log and beats: ${formatMs(raw)}`,
        subject: formatMs(median(samples)),
        ratio: `${(median(samples) / raw).toFixed(2)}x`,
        target: `< ${target} ms`,
        met: median(samples) < target,
      });
    }
    if (smallest !== undefined && smallest !== largest) {
      const growth = median(largest.warmStatus) / median(smallest.warmStatus);
      const factor = largest.members / smallest.members;
      rows.push({
        goal: `status again on one coordinator, ${smallest.members.toLocaleString("en-US")} -> ${members} unchanged members`,
        baseline: `at ${smallest.members.toLocaleString("en-US")}: ${formatMs(median(smallest.warmStatus))}`,
        subject: `at ${members}: ${formatMs(median(largest.warmStatus))}`,
        ratio: `${growth.toFixed(2)}x`,
        target: `<= ${SUBLINEAR_TARGET}x for ${factor}x members`,
        met: growth <= SUBLINEAR_TARGET,
      });
    }
  }
  if (results.codec !== undefined) {
    const worst = results.codec.reduce((low, result) => (result.ratio < low.ratio ? result : low));
    const verdicts = results.codec.map(codecVerdict);
    const missed = verdicts.filter((verdict) => verdict === false).length;
    const unsure = verdicts.filter((verdict) => verdict === "unsure").length;
    rows.push({
      goal: `codec: ${results.codec.length} paths, the worst (${worst.name})`,
      baseline: worst.baseline.label,
      subject: `${missed} of ${results.codec.length} below target, ${unsure} unsure`,
      ratio: `${worst.ratio.toFixed(3)}x`,
      target: `>= ${CODEC_TARGET.toFixed(2)}x`,
      met: missed > 0 ? false : unsure > 0 ? "unsure" : true,
    });
  }
  const header = `twostep bench, node ${process.version}, ${new Date().toISOString()}`;
  // Parts that measure no goal (backstop, delivery) print no empty goal table.
  const out = rows.length > 0 ? [goalTable(`${header}\n\nGoals of issue 15 (ratios against raw baselines measured in this run)`, rows)] : [header];
  if (results.codec !== undefined) out.push("", goalTable("Codec paths (ops/s, median of interleaved rounds)", codecRows(results.codec)));
  if (results.backstop !== undefined) {
    const backstop = results.backstop;
    const check = median(backstop.perBackstopMicros);
    out.push(
      "",
      `Backstop: ${check.toFixed(0)} µs of server CPU per check of an idle follower (${backstop.members.toLocaleString("en-US")} members in the log), ` +
        `${backstop.ratio.toFixed(2)}x a raw heartbeat put (${median(backstop.perPutMicros).toFixed(0)} µs); ` +
        `at the default 60 s, ${(check / 60).toFixed(1)}% of a core per 10,000 idle nodes; ` +
        `${median(backstop.churnMicros).toFixed(0)} µs while a member joins every 100 ms`,
    );
  }
  if ((results.delivery ?? []).length > 0) {
    out.push("", "Delivery: a follower's client CPU per change (idle CPU taken out), 750 followers a side");
    for (const delivery of results.delivery ?? []) {
      const side = (name: "twostep" | "raw") =>
        `${name} ${delivery.perDeliveryMicros[name].toFixed(1)} µs (idle ${delivery.idleMicrosPerSecond[name].toFixed(1)} µs/s, the last after ${delivery.medianMs[name].toFixed(1)} ms)`;
      out.push(`  ${delivery.protocol === "wide" ? "50 types" : "shop    "}: ${side("twostep")}; ${side("raw")}; ${delivery.ratio.toFixed(2)}x`);
    }
  }
  if ((results.propagation ?? []).length > 0) {
    out.push("", "Propagation: each side's server, CPU idle / over the rounds, and RSS after them");
    const cores = (value: number) => `${(100 * value).toFixed(0)}%`;
    for (const result of results.propagation ?? []) {
      const line = (side: "twostep" | "raw") =>
        `${side} ${cores(result.serverCpuIdle[side])} / ${cores(result.serverCpuRounds[side])}, ${(result.serverRss[side] / 2 ** 20).toFixed(0)} MiB`;
      out.push(
        `  ${result.nodes.toLocaleString("en-US").padStart(6)} nodes: ${line("twostep")}; ${line("raw")}; started in ${result.startSeconds.toFixed(0)} s`,
      );
    }
  }
  if (sizes.length > 0) {
    out.push("", "Coordinator times (median ms)");
    for (const size of sizes) {
      out.push(
        `  ${size.members.toLocaleString("en-US").padStart(6)} members: status new ${formatMs(median(size.coldStatus))}, ` +
          `twostep status (a new process) ${formatMs(median(size.commandStatus))}, again ${formatMs(median(size.warmStatus))}, ` +
          `raw read ${formatMs(median(size.rawRead))}, enableWrite new ${formatMs(median(size.coldEnable))}, again ${formatMs(median(size.warmEnable))}`,
      );
    }
    out.push("", "Dashboard: one event of its feed (the summary) against the whole status --json it sent before");
    for (const { members, dashboard } of sizes) {
      out.push(
        `  ${members.toLocaleString("en-US").padStart(6)} members: ${formatBytes(dashboard.summaryBytes)} built in ${formatMs(median(dashboard.summaryMs))}; ` +
          `status --json ${formatBytes(dashboard.statusBytes)} in ${formatMs(median(dashboard.statusMs))}; ` +
          `${(dashboard.statusBytes / dashboard.summaryBytes).toFixed(0)}x fewer bytes, ${(median(dashboard.statusMs) / median(dashboard.summaryMs)).toFixed(1)}x less time`,
      );
    }
  }
  process.stdout.write(`${out.join("\n")}\n`);
}
clearTimeout(budget);
