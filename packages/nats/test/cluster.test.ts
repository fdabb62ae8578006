import { isTwostepError } from "@twostep/core";
import { FleetErrorCode, type Snapshot } from "@twostep/fleet/control-plane";
import type { NatsControlPlane } from "@twostep/nats";
import { type NatsCluster, startNatsCluster } from "@twostep/testkit/nats-server";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { bytes, Planes, textOf } from "./support/planes.js";
import { rawNats } from "./support/raw-nats.js";

let cluster: NatsCluster;
const planes = new Planes(() => cluster.urls);

beforeAll(async () => {
  cluster = await startNatsCluster({ size: 3 });
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});
afterEach(() => planes.closeAll());

/**
 * Calls that succeeded so far. The faults below wait for one more after each
 * of theirs: they slow a run down as much as a loaded machine lets them, but
 * never starve it (paced by the clock alone, they once kept one registration
 * failing for 30 s on an idle CI runner, after every other call was done).
 */
class Progress {
  #waiting: (() => void)[] = [];

  /** A call succeeded: wakes the faults waiting for one. */
  made(): void {
    for (const wake of this.#waiting.splice(0)) wake();
  }

  /** Resolves once a call succeeds after now, or the faults are stopped. */
  next(): Promise<void> {
    return new Promise((resolve) => this.#waiting.push(resolve));
  }
}

const progress = new Progress();

/** Runs `action` again while the control plane is unreachable (an election, a frozen server), for up to 30 s: what a caller does. */
async function retried<T>(action: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const result = await action();
      progress.made();
      return result;
    } catch (error) {
      if (Date.now() > deadline || !isTwostepError(error, FleetErrorCode.Unreachable)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Asks the log's stream leader to step down every `everyMs`, once a call succeeded since the last time, until stopped; resolves with how many times it did. */
async function stepdowns(plane: NatsControlPlane, everyMs: number): Promise<{ stop: () => Promise<number> }> {
  const raw = await rawNats(cluster.urls);
  let running = true;
  let count = 0;
  const done = (async () => {
    while (running) {
      await new Promise((resolve) => setTimeout(resolve, everyMs * (0.5 + Math.random())));
      const reply = await raw.connection.request(`$JS.API.STREAM.LEADER.STEPDOWN.${plane.layout.fleetStream}`, "", { timeout: 5_000 }).catch(() => undefined);
      if (reply !== undefined && (reply.json() as { success?: boolean }).success === true) count++;
      // Checked and waited for in one turn: a stop after this wakes the wait, one before it skips it.
      if (running) await progress.next();
    }
  })();
  return {
    stop: async () => {
      running = false;
      progress.made();
      await done;
      await raw.connection.close();
      return count;
    },
  };
}

/** Freezes a random server now and then (up to `maxMs`, once a call succeeded since the last time), so that its replicas fall behind and catch up while reads run on them. */
function pauses(maxMs: number): { stop: () => Promise<number> } {
  let running = true;
  let count = 0;
  const done = (async () => {
    while (running) {
      await new Promise((resolve) => setTimeout(resolve, 300 + Math.random() * 700));
      const server = cluster.servers[Math.floor(Math.random() * cluster.servers.length)];
      if (server === undefined || !running) continue;
      await server.pause();
      count++;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * maxMs));
      server.resume();
      if (running) await progress.next();
    }
  })();
  return {
    stop: async () => {
      running = false;
      progress.made();
      await done;
      return count;
    },
  };
}

const pause = (maxMs: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * maxMs));

describe("register and intents on a cluster of three, replicas 3, with the log's leader stepping down meanwhile", () => {
  test("for every (registration, intent) pair: the registration's snapshot holds the intent, or a read as of the intent holds the member", async () => {
    const prefix = planes.prefix();
    const release = await planes.open({ bucketPrefix: prefix, replicas: 3, timeoutMs: 3_000 });
    // Nodes and coordinators on different servers: reads land on any replica, some of them lagging.
    const nodes = await Promise.all(cluster.urls.map((url) => planes.open({ bucketPrefix: prefix, create: false, servers: url, timeoutMs: 3_000 })));
    const coordinators = await Promise.all(cluster.urls.map((url) => planes.open({ bucketPrefix: prefix, create: false, servers: url, timeoutMs: 3_000 })));
    const leaders = await stepdowns(release, 200);
    const frozen = pauses(800);

    const registrations: { nodeId: string; snapshot: Snapshot }[] = [];
    const intents: { capability: string; revision: number; members: Set<string> }[] = [];
    const register = async (index: number): Promise<void> => {
      await pause(3_000);
      const nodeId = `node-${index}`;
      const plane = nodes[index % nodes.length] as NatsControlPlane;
      const snapshot = await retried(() => plane.register([{ key: { kind: "member", nodeId, incarnation: "1" }, value: bytes(nodeId) }]));
      registrations.push({ nodeId, snapshot });
    };
    const intend = async (index: number): Promise<void> => {
      await pause(3_000);
      const capability = `cap-${index}`;
      const plane = coordinators[index % coordinators.length] as NatsControlPlane;
      let revision: number;
      try {
        revision = await retried(() => plane.append({ kind: "level", capability }, bytes("intent"), { expect: 0 }));
      } catch (error) {
        // A retry after a lost acknowledgement finds its own intent: the first attempt committed it.
        if (!isTwostepError(error, FleetErrorCode.RevisionConflict)) throw error;
        revision = (await retried(() => plane.get({ kind: "level", capability })))!.revision;
      }
      const view = await retried(() => plane.read("fleet", { atLeast: revision }));
      expect(view.position).toBeGreaterThanOrEqual(revision);
      const members = new Set(view.entries.flatMap((entry) => (entry.key.kind === "member" ? [entry.key.nodeId] : [])));
      intents.push({ capability, revision, members });
    };
    const rounds = 150;
    try {
      await Promise.all([...Array.from({ length: rounds }, (_, index) => register(index)), ...Array.from({ length: rounds }, (_, index) => intend(index))]);
    } finally {
      const [count, paused] = [await leaders.stop(), await frozen.stop()];
      expect(count).toBeGreaterThan(0);
      expect(paused).toBeGreaterThan(0);
    }

    const violations: string[] = [];
    for (const { nodeId, snapshot } of registrations) {
      const seen = new Map(snapshot.entries.flatMap((entry) => (entry.key.kind === "level" ? [[entry.key.capability, entry.revision] as const] : [])));
      for (const intent of intents) {
        const nodeSawIntent = (seen.get(intent.capability) ?? 0) >= intent.revision;
        if (!nodeSawIntent && !intent.members.has(nodeId))
          violations.push(`${nodeId} missed ${intent.capability}@${intent.revision}, and the read after it missed ${nodeId}`);
      }
    }
    expect(violations).toEqual([]);
    expect(registrations).toHaveLength(rounds);
    expect(intents).toHaveLength(rounds);
  }, 120_000);

  test("a follower on each server holds every record after leader changes, and no consumer while idle", async () => {
    const prefix = planes.prefix();
    const release = await planes.open({ bucketPrefix: prefix, replicas: 3, timeoutMs: 3_000 });
    const followers = await Promise.all(cluster.urls.map((url) => planes.open({ bucketPrefix: prefix, create: false, servers: url, resyncMs: 2_000 })));
    const held = followers.map(() => new Map<string, string>());
    await Promise.all(
      followers.map((plane, index) =>
        plane.follow({
          onSnapshot: (snapshot) => {
            held[index]?.clear();
            for (const entry of snapshot.entries) if (entry.key.kind === "level") held[index]?.set(entry.key.capability, textOf(entry.value));
          },
          onEntry: (entry) => {
            if (entry.key.kind === "level") held[index]?.set(entry.key.capability, textOf(entry.value));
          },
        }),
      ),
    );
    const leaders = await stepdowns(release, 300);
    const expected = new Map<string, string>();
    for (let index = 0; index < 30; index++) {
      const capability = `cap-${index % 5}`;
      await retried(() => release.append({ kind: "level", capability }, bytes(`v${index}`)));
      expected.set(capability, `v${index}`);
      await pause(50);
    }
    await leaders.stop();
    for (const map of held) await vi.waitFor(() => expect(map).toEqual(expected), { timeout: 60_000 });
    await using raw = await rawNats(cluster.urls);
    await vi.waitFor(async () => expect((await raw.jsm.streams.info(release.layout.fleetStream)).state.consumer_count).toBe(0), { timeout: 60_000 });
  }, 120_000);
});

describe("reads on a replica that is catching up", () => {
  test("a read as of a position waits until the replica its consumer runs on holds it", async () => {
    const prefix = planes.prefix();
    const release = await planes.open({ bucketPrefix: prefix, replicas: 3, timeoutMs: 5_000 });
    await release.append({ kind: "level", capability: "seed" }, bytes("seed"));
    await using raw = await rawNats(cluster.urls);
    const leader = (await raw.jsm.streams.info(release.layout.fleetStream)).cluster?.leader;
    const lagging = cluster.servers.find((server) => server.name !== leader);
    if (lagging === undefined) throw new Error("no follower replica");
    const writer = await planes.open({ bucketPrefix: prefix, create: false, servers: cluster.servers.find((server) => server.name === leader)!.url });
    const reader = await planes.open({ bucketPrefix: prefix, create: false, servers: cluster.urls.filter((url) => url !== lagging.url), timeoutMs: 10_000 });
    for (let round = 0; round < 5; round++) {
      await lagging.pause();
      let last = 0;
      try {
        for (let index = 0; index < 400; index += 50) {
          const written = await Promise.all(
            Array.from({ length: 50 }, (_, offset) =>
              writer.append({ kind: "level", capability: `c${(index + offset) % 37}` }, bytes(`${round}-${index + offset}`)),
            ),
          );
          last = Math.max(last, ...written);
        }
      } finally {
        lagging.resume();
      }
      const reads = await Promise.all(Array.from({ length: 12 }, () => reader.read("records", { atLeast: last })));
      for (const read of reads) {
        expect(read.position).toBeGreaterThanOrEqual(last);
        expect(Math.max(...read.entries.map((entry) => entry.revision))).toBe(last);
      }
    }
  }, 120_000);
});
