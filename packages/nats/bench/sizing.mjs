// Sizing figures of the NATS control plane on one nats-server on loopback
// (docs/nats.md, "Sizing"). Build first, then run one measure:
//
//   npx tsc -b packages/nats
//   node packages/nats/bench/sizing.mjs register|read|propagation|idle
//
// Each measure starts its own nats-server (NATS_SERVER_BIN, else nats-server
// on the PATH) with JetStream in a temporary directory, and stops it after.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect } from "@nats-io/transport-node";
import { connectNatsControlPlane } from "@twostep/nats";

const utf8 = new TextEncoder();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A member record of the size fleet writes (about 250 bytes of JSON). */
function memberValue(nodeId) {
  return utf8.encode(
    JSON.stringify({
      format: 1,
      nodeId,
      incarnation: "0123456789abcdef",
      service: "shop",
      build: "1.4.0",
      buildId: "0123456789abcdef0123456789abcdef",
      labels: { zone: "eu-west-1a", tier: "web" },
      startedAt: Date.now(),
      leaseMs: 15_000,
    }),
  );
}

async function startServer() {
  const dir = mkdtempSync(join(tmpdir(), "twostep-sizing-"));
  const port = 30_000 + Math.floor(Math.random() * 20_000);
  const child = spawn(process.env.NATS_SERVER_BIN ?? "nats-server", ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", dir], { stdio: "ignore" });
  const url = `nats://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    try {
      await (await connect({ servers: url })).close();
      break;
    } catch (error) {
      if (attempt > 100) throw error;
      await sleep(50);
    }
  }
  return {
    url,
    /** The server's resident memory, in MiB, from /proc. */
    rssMiB: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))?.[1] ?? 0) / 1024,
    /** CPU seconds (user + system) the server used so far, from /proc. */
    cpuSeconds: () => {
      const fields = readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1].split(" ");
      return (Number(fields[11]) + Number(fields[12])) / 100;
    },
    stop: async () => {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function percentiles(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (share) => sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))];
  return `p50 ${at(0.5).toFixed(2)} ms, p90 ${at(0.9).toFixed(2)} ms, p99 ${at(0.99).toFixed(2)} ms, max ${sorted.at(-1).toFixed(2)} ms (n=${sorted.length})`;
}

/** Writes `count` members straight to the stream, 500 at a time. */
async function writeMembers(plane, count) {
  for (let start = 0; start < count; start += 500) {
    const batch = Array.from({ length: Math.min(500, count - start) }, (_, offset) => `node-${start + offset}`);
    await Promise.all(batch.map((nodeId) => plane.append({ kind: "member", nodeId, incarnation: "0123456789abcdef" }, memberValue(nodeId))));
  }
}

async function withPlane(measure) {
  const server = await startServer();
  const plane = await connectNatsControlPlane({ servers: server.url, bucketPrefix: "sizing" });
  try {
    await measure(server, plane);
  } finally {
    await plane.close();
    await server.stop();
  }
}

const measures = {
  /** register(): a build (if absent) and a member, the join marker, then the records as of the marker; 30 level records. */
  register: () =>
    withPlane(async (server, plane) => {
      for (let index = 0; index < 30; index++)
        await plane.append({ kind: "level", capability: `orders.Type${index}` }, utf8.encode(JSON.stringify({ level: 2, pad: "x".repeat(400) })));
      const node = await connectNatsControlPlane({ servers: server.url, bucketPrefix: "sizing", create: false });
      for (const members of [0, 10_000]) {
        if (members > 0) await writeMembers(plane, members);
        const samples = [];
        for (let index = 0; index < 300; index++) {
          const nodeId = `joiner-${members}-${index}`;
          const started = performance.now();
          await node.register([
            { key: { kind: "build", buildId: "0123456789abcdef0123456789abcdef" }, value: utf8.encode("{}"), ifAbsent: true },
            { key: { kind: "member", nodeId, incarnation: "0123456789abcdef" }, value: memberValue(nodeId) },
          ]);
          samples.push(performance.now() - started);
        }
        console.log(`register, 30 records, ${members} members in the log: ${percentiles(samples.slice(20))}`);
      }
      await node.close();
    }),

  /** read("fleet") and read("records") with 10,000 members in the log. */
  read: () =>
    withPlane(async (_server, plane) => {
      for (let index = 0; index < 30; index++) await plane.append({ kind: "level", capability: `orders.Type${index}` }, utf8.encode("{}"));
      const started = performance.now();
      await writeMembers(plane, 10_000);
      console.log(`wrote 10,000 members in ${(performance.now() - started).toFixed(0)} ms`);
      for (const scope of ["fleet", "records"]) {
        const samples = [];
        let size = 0;
        for (let run = 0; run < 20; run++) {
          const begin = performance.now();
          size = (await plane.read(scope)).entries.length;
          samples.push(performance.now() - begin);
        }
        console.log(`read("${scope}") of ${size} entries: ${percentiles(samples.slice(2))}`);
      }
    }),

  /** From append (before the call) to onEntry, on 200 followers, each on its own connection. */
  propagation: () =>
    withPlane(async (server, plane) => {
      await plane.append({ kind: "level", capability: "orders.OrderPlaced" }, utf8.encode("{}"));
      /** Per revision, when each follower got it. */
      const arrivals = new Map();
      const followers = [];
      for (let index = 0; index < 200; index++) {
        const node = await connectNatsControlPlane({ servers: server.url, bucketPrefix: "sizing", create: false });
        await node.follow({
          onSnapshot: () => {},
          onEntry: (entry) => {
            const times = arrivals.get(entry.revision) ?? [];
            times.push(performance.now());
            arrivals.set(entry.revision, times);
          },
        });
        followers.push(node);
      }
      const samples = [];
      for (let round = 0; round < 50; round++) {
        const started = performance.now();
        const revision = await plane.append({ kind: "level", capability: "orders.OrderPlaced" }, utf8.encode(JSON.stringify({ round })));
        while ((arrivals.get(revision)?.length ?? 0) < followers.length && performance.now() - started < 5_000) await sleep(1);
        samples.push(...(arrivals.get(revision) ?? []).map((at) => at - started));
        await sleep(20);
      }
      console.log(`append to onEntry on 200 followers (each its own connection), 50 appends: ${percentiles(samples)}`);
      await Promise.all(followers.map((node) => node.close()));
    }),

  /** Server CPU over 30 s: 1,000 idle followers, then 1,000 kv.watch watchers, no traffic; steady state after a warm-up past the first resync. */
  idle: async () => {
    const window = Number(process.env.WINDOW_S ?? 30);
    const warmup = Number(process.env.WARMUP_S ?? 75);
    for (const kind of ["followers", "kv.watch"]) {
      const server = await startServer();
      const plane = await connectNatsControlPlane({ servers: server.url, bucketPrefix: "sizing" });
      for (let index = 0; index < 20; index++) await plane.append({ kind: "level", capability: `orders.Type${index}` }, utf8.encode("{}"));
      const bucket = kind === "kv.watch" ? await new Kvm(jetstream(await connect({ servers: server.url }))).create("watched", { history: 1 }) : undefined;
      if (bucket !== undefined) for (let index = 0; index < 20; index++) await bucket.put(`orders_Type${index}`, "{}");
      const closers = [];
      for (let index = 0; index < 1_000; index++) {
        if (kind === "followers") {
          const node = await connectNatsControlPlane({ servers: server.url, bucketPrefix: "sizing", create: false });
          await node.follow({ onSnapshot: () => {}, onEntry: () => {} });
          closers.push(() => node.close());
        } else {
          const connection = await connect({ servers: server.url });
          const kv = await new Kvm(jetstream(connection)).open("watched");
          const watch = await kv.watch();
          (async () => {
            for await (const _entry of watch);
          })();
          closers.push(async () => {
            watch.stop();
            await connection.close();
          });
        }
      }
      await sleep(warmup * 1_000);
      const before = server.cpuSeconds();
      await sleep(window * 1_000);
      const used = server.cpuSeconds() - before;
      const looker = await connect({ servers: server.url });
      const jsm = await jetstreamManager(looker);
      const consumers = (await jsm.streams.info(kind === "kv.watch" ? "KV_watched" : "SIZING_FLEET")).state.consumer_count;
      await looker.close();
      console.log(
        `1,000 idle ${kind}, after ${warmup} s: server CPU ${used.toFixed(2)} s over ${window} s (${((100 * used) / window).toFixed(2)} % of one core), ` +
          `server RSS ${server.rssMiB().toFixed(0)} MiB, ${consumers} consumers`,
      );
      await Promise.all(closers.map((close) => close()));
      await plane.close();
      await server.stop();
    }
  },
};

const measure = measures[process.argv[2] ?? ""];
if (measure === undefined) {
  console.error(`usage: node packages/nats/bench/sizing.mjs ${Object.keys(measures).join("|")}`);
  process.exit(2);
}
await measure();
