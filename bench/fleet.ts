/**
 * `npm run bench`, after the core bench: the fleet on a real nats-server
 * started here, on loopback. Propagation: from a committed write-level
 * change until 200 nodes follow it, against 200 raw KV watchers of the same
 * bucket in the same run, rounds interleaved. Status: `Coordinator.status()`
 * over 10,000 advertised members, in memory and on NATS. `--json` prints
 * machine-readable output; `--rounds N` changes the propagation rounds per
 * side. Stops by itself within {@link BUDGET_MS}.
 */
import { jetstream } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { loadShopProtocol } from "@twostep/example-shop";
import { Coordinator, MemoryControlPlane, startNode, type Advertisement, type ControlPlane, type FleetNode, type WriteLevelRecord } from "@twostep/fleet";
import { connectNatsControlPlane, encodeKey, type NatsControlPlane } from "@twostep/nats";
import { startNatsServer } from "@twostep/testkit/nats-server";
import { median, quantile } from "./measure.js";

/** Followers of a level change, on each side. */
const NODES = 200;
/** Members (each advertised) that the status is taken over. */
const FLEET = 10_000;
const TYPE = "orders.OrderPlaced";
/** The whole run must end within this; past it, the server is stopped and the process fails. */
const BUDGET_MS = 110_000;
/** One level change must reach every follower within this. */
const ROUND_TIMEOUT_MS = 10_000;
const author = { actor: "bench", reason: "fleet bench" };
const utf8 = new TextEncoder();

interface Case {
  readonly name: string;
  /** What one measured operation is. */
  readonly ops: string;
  readonly samples: readonly number[];
  /** Median of this case over the median of the baseline, when it has one. */
  readonly ratio: number | null;
  /** What it must reach: `ratio` at most this, or the median (ms) below it. */
  readonly target: { readonly kind: "ratio" | "ms"; readonly value: number } | null;
}

const args = process.argv.slice(2);
const json = args.includes("--json");
const roundsArg = args.indexOf("--rounds");
const rounds = roundsArg === -1 ? 25 : Number(args[roundsArg + 1]);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error("--rounds takes a positive integer");

/** Runs every case on one server started here, prints them, and stops the server. */
async function main(): Promise<void> {
  const server = await startNatsServer();
  const budget = setTimeout(() => {
    process.stderr.write(`fleet bench: still running after ${BUDGET_MS / 1000} s; stopping\n`);
    process.exitCode = 1;
    void server.stop().finally(() => process.exit(1));
  }, BUDGET_MS);
  budget.unref();
  try {
    const version = await serverVersion(server.url);
    const { raw, twostep } = await propagation(server.url, rounds);
    const memory = await statusTimes(new MemoryControlPlane(), 3, 15);
    const nats = await connectNatsControlPlane({ servers: server.url, bucketPrefix: "status", advertisementTtlMs: 600_000 });
    const onNats = await statusTimes(nats, 2, 7).finally(() => nats.close());
    const cases: Case[] = [
      { name: "propagation, raw KV", ops: `kv.update until ${NODES} kv.watch got it`, samples: raw, ratio: null, target: null },
      {
        name: "propagation, twostep",
        ops: `compareAndSetLevel until ${NODES} nodes follow it`,
        samples: twostep,
        ratio: median(twostep) / median(raw),
        target: { kind: "ratio", value: 1.5 },
      },
      {
        name: `status, ${FLEET.toLocaleString("en-US")} nodes, memory`,
        ops: "Coordinator.status()",
        samples: memory,
        ratio: null,
        target: { kind: "ms", value: 50 },
      },
      {
        name: `status, ${FLEET.toLocaleString("en-US")} nodes, NATS`,
        ops: "Coordinator.status()",
        samples: onNats,
        ratio: null,
        target: { kind: "ms", value: 500 },
      },
    ];
    if (json) printJson(cases, version);
    else printTable(cases, version);
  } finally {
    clearTimeout(budget);
    await server.stop();
  }
}

/**
 * Times level changes reaching every follower: `NODES` twostep nodes and
 * `NODES` raw KV watchers, each on its own connection, all following the
 * same key of the levels bucket. A round writes once on each side (raw
 * `kv.update`, then `compareAndSetLevel`, the order alternating) and times
 * the write until the last follower of that side got it. Both sides receive
 * every change, so each pays for the other's deliveries alike.
 */
async function propagation(url: string, measured: number): Promise<{ raw: number[]; twostep: number[] }> {
  const release = await connectNatsControlPlane({ servers: url, bucketPrefix: "bench" });
  const coordinator = new Coordinator(release);
  await coordinator.enableWrite(TYPE, 1, author);
  await coordinator.enableWrite(TYPE, 2, author);
  const first = await release.getLevel(TYPE);
  if (first === undefined) throw new Error("the level record was not written");
  const { protocol } = loadShopProtocol();
  const nodeArrivals = new Arrivals(NODES);
  const rawArrivals = new Arrivals(NODES);
  const planes: NatsControlPlane[] = [];
  const nodes: FleetNode[] = [];
  const connections: NatsConnection[] = [];
  try {
    await inBatches(NODES, 20, async (index) => {
      const plane = await connectNatsControlPlane({ servers: url, bucketPrefix: "bench", create: false, name: `bench-node-${index}` });
      planes.push(plane);
      // Heartbeats off the clock: the rounds measure level changes, not the advertisement traffic of 200 nodes.
      const node = await startNode({
        controlPlane: plane,
        protocol,
        nodeId: `node-${index}`,
        service: "bench",
        build: "1.0.0",
        heartbeatMs: 3_600_000,
        onWriteLevel: (_, revision) => nodeArrivals.arrive(revision),
      });
      nodes.push(node);
    });
    // One connection more on the raw side: its writer, as the twostep side writes through the release manager's.
    const [writer, ...watchers] = await Promise.all(
      Array.from({ length: NODES + 1 }, async (): Promise<KV> => {
        const connection = await connect({ servers: url, name: "bench-raw" });
        connections.push(connection);
        return new Kvm(jetstream(connection)).open(release.layout.levels);
      }),
    );
    if (writer === undefined) throw new Error("no raw writer");
    await Promise.all(watchers.map(async (kv) => followRaw(await kv.watch(), rawArrivals)));
    const key = encodeKey(TYPE);
    let revision = first.revision;
    let writes = 0;
    // Every write flips the level between 1 and 2 (the record starts at 2): each one is a level change the nodes act on.
    const next = (): WriteLevelRecord => ({ ...first.value, level: writes++ % 2 === 0 ? 1 : 2, changedAt: Date.now(), reason: `bench write ${writes}` });
    const sides = {
      raw: async () => (revision = await writer.update(key, utf8.encode(JSON.stringify(next())), revision)),
      twostep: async () => (revision = await release.compareAndSetLevel(next(), revision)),
    };
    const times = { raw: [] as number[], twostep: [] as number[] };
    const warmup = 3;
    for (let round = 0; round < warmup + measured; round++) {
      for (const side of round % 2 === 0 ? (["raw", "twostep"] as const) : (["twostep", "raw"] as const)) {
        const arrivals = side === "raw" ? rawArrivals : nodeArrivals;
        const start = performance.now();
        const written = await sides[side]();
        const reached = await arrivals.all(written, ROUND_TIMEOUT_MS);
        if (round >= warmup) times[side].push(reached - start);
      }
    }
    return times;
  } finally {
    await inBatches(nodes.length, 20, (index) => (nodes[index] as FleetNode).stop());
    await Promise.all([...planes, release].map((plane) => plane.close()));
    await Promise.all(connections.map((connection) => connection.close()));
  }
}

/** Tells `arrivals` of every entry a raw watcher receives, until its connection closes. */
function followRaw(watch: AsyncIterable<{ revision: number }>, arrivals: Arrivals): void {
  void (async () => {
    for await (const entry of watch) arrivals.arrive(entry.revision);
  })().catch(() => {});
}

/** Counts the followers that got each revision, and when the last of `expected` did. */
class Arrivals {
  readonly #expected: number;
  readonly #counts = new Map<number, number>();
  readonly #complete = new Map<number, number>();
  readonly #waiting = new Map<number, (at: number) => void>();

  constructor(expected: number) {
    this.#expected = expected;
  }

  arrive(revision: number): void {
    const count = (this.#counts.get(revision) ?? 0) + 1;
    this.#counts.set(revision, count);
    if (count !== this.#expected) return;
    const at = performance.now();
    this.#complete.set(revision, at);
    this.#waiting.get(revision)?.(at);
  }

  /** When every follower had `revision` (the followers may be faster than the writer's acknowledgement). */
  all(revision: number, timeoutMs: number): Promise<number> {
    const at = this.#complete.get(revision);
    if (at !== undefined) return Promise.resolve(at);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(revision);
        reject(new Error(`revision ${revision} reached ${this.#counts.get(revision) ?? 0} of ${this.#expected} followers in ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiting.set(revision, (reached) => {
        clearTimeout(timer);
        this.#waiting.delete(revision);
        resolve(reached);
      });
    });
  }
}

/** Registers and advertises {@link FLEET} members on `plane`, then times `Coordinator.status()` after `warmup` untimed calls. */
async function statusTimes(plane: ControlPlane, warmup: number, measured: number): Promise<number[]> {
  await inBatches(FLEET, 500, async (index) => {
    const advertisement = fleetAdvertisement(index);
    const { nodeId, service, build } = advertisement;
    await Promise.all([plane.putMember({ nodeId, service, build, joinedAt: 0 }), plane.putAdvertisement(advertisement)]);
  });
  const coordinator = new Coordinator(plane);
  const times: number[] = [];
  for (let run = 0; run < warmup + measured; run++) {
    const start = performance.now();
    const status = await coordinator.status();
    if (run >= warmup) times.push(performance.now() - start);
    if (status.memberCount !== FLEET) throw new Error(`status saw ${status.memberCount} of ${FLEET} members`);
  }
  return times;
}

/** Member `index` of a fleet of 20 services on 3 builds, half of them reading v2. */
function fleetAdvertisement(index: number): Advertisement {
  const range = { min: 1, max: 1 + (index % 2) };
  return {
    nodeId: `node-${index}`,
    service: `svc-${index % 20}`,
    build: `b${index % 3}`,
    capabilities: { [TYPE]: { reads: range, writes: range } },
    startedAt: 0,
    heartbeatAt: 0,
    counters: {},
  };
}

/** Runs `task(0)` to `task(count - 1)`, `width` at a time. */
async function inBatches(count: number, width: number, task: (index: number) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < count; start += width) {
    await Promise.all(Array.from({ length: Math.min(width, count - start) }, (_, offset) => task(start + offset)));
  }
}

async function serverVersion(url: string): Promise<string> {
  const connection = await connect({ servers: url });
  try {
    return connection.info?.version ?? "unknown";
  } finally {
    await connection.close();
  }
}

function met(entry: Case): boolean | null {
  if (entry.target === null) return null;
  return entry.target.kind === "ratio" ? (entry.ratio ?? Number.POSITIVE_INFINITY) <= entry.target.value : median(entry.samples) < entry.target.value;
}

function targetText(entry: Case): string {
  if (entry.target === null) return "(baseline)";
  return entry.target.kind === "ratio" ? `<= ${entry.target.value.toFixed(2)}x` : `< ${entry.target.value} ms`;
}

function printTable(cases: readonly Case[], version: string): void {
  const header = ["measure", "ops", "median", "p95", "ratio", "target", "met?"];
  const rows = cases.map((entry) => {
    const verdict = met(entry);
    return [
      entry.name,
      entry.ops,
      `${median(entry.samples).toFixed(1)} ms`,
      `${quantile(entry.samples, 0.95).toFixed(1)} ms`,
      entry.ratio === null ? "" : `${entry.ratio.toFixed(2)}x`,
      targetText(entry),
      verdict === null ? "" : verdict ? "ok" : "MISSED",
    ];
  });
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column >= 2 && column <= 4 ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0)))
      .join("  ")
      .trimEnd();
  const lines = [
    "",
    `twostep fleet bench: nats-server ${version} on loopback, node ${process.version}; propagation: ${NODES} followers a side, each on its own connection, ${rounds} interleaved rounds; status: median of runs after a warm-up`,
    "",
    line(header),
    line(widths.map((width) => "-".repeat(width))),
    ...rows.map(line),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

function printJson(cases: readonly Case[], version: string): void {
  const round2 = (value: number) => Math.round(value * 100) / 100;
  const output = {
    node: process.version,
    natsServer: version,
    followers: NODES,
    rounds,
    fleet: FLEET,
    cases: cases.map((entry) => ({
      name: entry.name,
      ops: entry.ops,
      runs: entry.samples.length,
      medianMs: round2(median(entry.samples)),
      p95Ms: round2(quantile(entry.samples, 0.95)),
      ratio: entry.ratio === null ? null : round2(entry.ratio),
      target: entry.target,
      met: met(entry),
    })),
  };
  process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
}

// Last: `Arrivals` is a class, defined only once the module body got past it.
await main();
