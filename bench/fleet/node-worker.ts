/**
 * A child process of the fleet bench holding many followers, each on its
 * own NATS connection: twostep nodes (`startNode` on its own control-plane
 * connection, heartbeats on) and raw jobs (`kv.watch` plus a heartbeat
 * `kv.put`). It tells its parent when every follower it holds has a
 * revision, and exits when told to stop or when its parent goes.
 */
import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { loadShopProtocol } from "@twostep/example-shop";
import { type FleetNode, startNode } from "@twostep/fleet";
import { connectNatsControlPlane, type NatsControlPlane } from "@twostep/nats";
import { wideProtocol } from "./wide-protocol.js";
import { preciseNow, type Side, type StartRaw, type StartTwostep, type WorkerCommand, type WorkerReport } from "./worker-protocol.js";

const counts: Record<Side, number> = { twostep: 0, raw: 0 };
/** Attempts at starting one follower, the first included. */
const MAX_ATTEMPTS = 3;
/** Followers started again after a failed start, per side. */
const restarts: Record<Side, number> = { twostep: 0, raw: 0 };
const arrivals: Record<Side, Map<number, number>> = { twostep: new Map(), raw: new Map() };
const closers: (() => Promise<unknown>)[] = [];
/** Kept so that nothing collects them; they are not stopped one by one (the bench's server goes with them). */
const nodes: FleetNode[] = [];
const timers: NodeJS.Timeout[] = [];
const utf8 = new TextDecoder();

function report(message: WorkerReport): void {
  process.send?.(message);
}

/** One follower of `side` has `revision`: the last of this worker's tells the parent. */
function arrive(side: Side, revision: number): void {
  const seen = (arrivals[side].get(revision) ?? 0) + 1;
  arrivals[side].set(revision, seen);
  if (seen === counts[side]) {
    report({ op: "arrived", side, revision, at: preciseNow() });
    arrivals[side].delete(revision);
  }
}

async function inBatches(count: number, width: number, task: (index: number) => Promise<void>): Promise<void> {
  for (let start = 0; start < count; start += width) {
    await Promise.all(Array.from({ length: Math.min(width, count - start) }, (_, offset) => task(start + offset)));
  }
}

/**
 * Runs `start` until it succeeds, at most {@link MAX_ATTEMPTS} times, as a
 * supervisor restarts a process that failed to start (each attempt cleans
 * up after itself). Counts the restarts of `side`.
 */
async function withRestarts<T>(side: Side, start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      if (attempt >= MAX_ATTEMPTS) throw error;
      restarts[side]++;
    }
  }
}

async function startTwostep(command: StartTwostep): Promise<void> {
  const protocol = command.protocol === "wide" ? wideProtocol() : loadShopProtocol().protocol;
  const before = restarts.twostep;
  await inBatches(command.count, command.concurrency, async (offset) => {
    const index = command.from + offset;
    const node = await withRestarts("twostep", async () => {
      const plane: NatsControlPlane = await connectNatsControlPlane({
        servers: command.servers,
        bucketPrefix: command.prefix,
        create: false,
        name: `live-${index}`,
      });
      try {
        // A node that fails to join has left the fleet (startNode's own clean-up); its connection goes with it.
        const node: FleetNode = await startNode({
          controlPlane: plane,
          protocol,
          nodeId: `live-${index}`,
          service: command.protocol === "wide" ? "wide" : "shop",
          build: "bench-1",
          labels: { zone: `z${index % 3}` },
          heartbeatMs: command.heartbeatMs,
          onWriteLevel: (_record, revision) => arrive("twostep", revision),
        });
        closers.push(() => plane.close());
        return node;
      } catch (error) {
        await plane.close().catch(() => {});
        throw error;
      }
    });
    nodes.push(node);
    counts.twostep++;
  });
  report({ op: "ready", side: "twostep", count: command.count, restarts: restarts.twostep - before });
}

async function startRaw(command: StartRaw): Promise<void> {
  const before = restarts.raw;
  await inBatches(command.count, command.concurrency, async (offset) => {
    const index = command.from + offset;
    const { connection, beats, watch } = await withRestarts("raw", async () => {
      const connection: NatsConnection = await connect({ servers: [...command.servers], name: `raw-${index}` });
      try {
        const kvm = new Kvm(jetstream(connection));
        const [records, beats] = await Promise.all([kvm.open(command.bucket), kvm.open(command.beatsBucket)]);
        return { connection, beats, watch: await records.watch({ key: command.key }) };
      } catch (error) {
        await connection.close().catch(() => {});
        throw error;
      }
    });
    closers.push(() => connection.close());
    let applied = 0;
    void (async () => {
      for await (const entry of watch) {
        if (entry.operation !== "PUT") continue;
        // What a follower does with a record: read it.
        JSON.parse(utf8.decode(entry.value));
        applied = entry.revision;
        arrive("raw", entry.revision);
      }
    })().catch(() => {});
    let beat = 0;
    const put = () =>
      beats
        .put(`raw-${index}`, JSON.stringify({ nodeId: `raw-${index}`, beat: ++beat, leaseMs: 15_000, applied: { [command.capability]: applied } }))
        .catch(() => {});
    await put();
    // The first period is random: heartbeats of jobs started together do not come in bursts.
    const first = setTimeout(() => {
      timers.push(setInterval(put, command.heartbeatMs));
      void put();
    }, Math.random() * command.heartbeatMs);
    timers.push(first);
    counts.raw++;
  });
  report({ op: "ready", side: "raw", count: command.count, restarts: restarts.raw - before });
}

async function stop(): Promise<never> {
  for (const timer of timers) clearTimeout(timer);
  // No node leaves (the server goes with the bench): the connections close, within a bound since the server may be gone already.
  await Promise.race([Promise.all(closers.map((close) => close().catch(() => {}))), new Promise((resolve) => setTimeout(resolve, 10_000))]);
  process.exit(0);
}

process.on("message", (command: WorkerCommand) => {
  const run = command.op === "twostep" ? startTwostep(command) : command.op === "raw" ? startRaw(command) : stop();
  run.catch((error: unknown) => {
    report({ op: "failed", message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  });
});
// The parent went (it crashed, or was killed): go too.
process.on("disconnect", () => process.exit(0));
