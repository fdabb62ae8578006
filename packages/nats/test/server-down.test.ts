import type { JetStreamManager } from "@nats-io/jetstream";
import { isTwostepError } from "@twostep/core";
import { FleetErrorCode } from "@twostep/fleet/control-plane";
import { type NatsCluster, type NatsClusterServer, startNatsCluster } from "@twostep/testkit/nats-server";
import { afterAll, afterEach, beforeAll, expect, test, vi } from "vitest";
import { bytes, Planes } from "./support/planes.js";
import { type RawNats, rawNats } from "./support/raw-nats.js";

let cluster: NatsCluster;
const planes = new Planes(() => cluster.urls);
const raws: RawNats[] = [];

beforeAll(async () => {
  cluster = await startNatsCluster({ size: 3 });
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});
afterEach(async () => {
  await planes.closeAll();
  await Promise.allSettled(raws.splice(0).map((raw) => raw.connection.close()));
  for (const server of cluster.servers) if (!server.running) await server.restart();
});

/** The server leading `stream` now, by its name. */
async function leaderOf(jsm: JetStreamManager, stream: string): Promise<string> {
  const leader = (await jsm.streams.info(stream)).cluster?.leader;
  if (leader === undefined) throw new Error(`${stream} has no leader`);
  return leader;
}

/** The JetStream meta leader, as `server`'s monitoring endpoint tells. */
async function metaLeader(server: NatsClusterServer): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${server.monitorPort}/jsz`);
  const leader = ((await response.json()) as { meta_cluster?: { leader?: string } }).meta_cluster?.leader;
  if (leader === undefined || leader === "") throw new Error("no meta leader");
  return leader;
}

/** The consumers of `stream` the cluster knows of (the meta leader's assignments), by name. */
async function consumerNames(raw: RawNats, stream: string): Promise<string[]> {
  const reply = await raw.connection.request(`$JS.API.CONSUMER.NAMES.${stream}`, "", { timeout: 5_000 });
  const answer = reply.json() as { consumers?: string[] | null; error?: { description?: string } };
  if (answer.error !== undefined) throw new Error(`consumer names: ${answer.error.description}`);
  return answer.consumers ?? [];
}

test("with one of three servers down, reads fail only as CONTROL_PLANE_UNREACHABLE, and consumers created on the stopped server are deleted, not left behind", async () => {
  const prefix = planes.prefix();
  const release = await planes.open({ bucketPrefix: prefix, replicas: 3, timeoutMs: 5_000 });
  await release.append({ kind: "level", capability: "orders" }, bytes("v1"), { expect: 0 });
  const raw = await rawNats(cluster.urls);
  raws.push(raw);
  const stream = release.layout.fleetStream;
  // A replica that leads neither the log nor the meta group: the log stays writable, and consumers are still placed on it too.
  const [leader, meta] = [await leaderOf(raw.jsm, stream), await metaLeader(cluster.servers[0] as NatsClusterServer)];
  const victim = cluster.servers.find((server) => server.name !== leader && server.name !== meta);
  if (victim === undefined) throw new Error("no server besides the leaders");
  expect(await consumerNames(raw, stream)).toEqual([]);
  await victim.stop();

  // Connections to the two servers still running, once both streams have a leader among them (the heartbeats' may move).
  const survivors = cluster.servers.filter((server) => server !== victim).map((server) => server.url);
  const view = await rawNats(survivors);
  raws.push(view);
  await vi.waitFor(
    async () => {
      for (const name of [stream, release.layout.beatsStream]) expect(await leaderOf(view.jsm, name)).not.toBe(victim.name);
    },
    { timeout: 30_000, interval: 250 },
  );
  // What the reads ask of the stream's consumers, seen on every server still running (so on the one the reader talks to):
  // each creation by the consumer's name, and each delete by name.
  const creations = new Set<string>();
  const deleted = new Set<string>();
  for (const url of survivors) {
    const spy = await rawNats(url);
    raws.push(spy);
    const created = (subject: string, data: Uint8Array): void => {
      const name = (JSON.parse(new TextDecoder().decode(data)) as { config?: { name?: string } }).config?.name;
      if (name === undefined) throw new Error(`a consumer creation without a name: ${subject}`);
      creations.add(name);
    };
    for (const subject of [`$JS.API.CONSUMER.CREATE.${stream}`, `$JS.API.CONSUMER.CREATE.${stream}.>`]) {
      spy.connection.subscribe(subject, { callback: (_, message) => created(message.subject, message.data) });
    }
    spy.connection.subscribe(`$JS.API.CONSUMER.DELETE.${stream}.>`, {
      callback: (_, message) => void deleted.add(message.subject.slice(`$JS.API.CONSUMER.DELETE.${stream}.`.length)),
    });
    await spy.connection.flush();
  }
  const reader = await planes.open({ bucketPrefix: prefix, create: false, servers: survivors, timeoutMs: 5_000 });

  // Each read creates a consumer; nats-server 2.9.10 places about one in three on the stopped server, where it is never
  // created. 24 reads: all of them placed on running servers at the first try happens once in 17,000 runs.
  const failures: string[] = [];
  for (let index = 0; index < 24; index++) {
    try {
      const snapshot = await reader.read("records");
      expect(snapshot.entries.map((entry) => entry.key)).toEqual([{ kind: "level", capability: "orders" }]);
    } catch (error) {
      expect(isTwostepError(error, FleetErrorCode.Unreachable), String(error)).toBe(true);
      failures.push((error as Error).message);
    }
  }
  if (failures.length > 0) console.warn(`reads that failed with ${victim.name} down:\n${failures.join("\n")}`);
  // Every consumer a read created is deleted by its name, those whose creation never answered (placed on the stopped
  // server, which would drop them only once it runs again) included.
  expect(creations.size).toBeGreaterThanOrEqual(24);
  await vi.waitFor(() => expect([...creations].filter((name) => !deleted.has(name))).toEqual([]), { timeout: 60_000, interval: 250 });
  // And so none is left: the cluster's assignments and the stream leader's count.
  await vi.waitFor(
    async () => {
      expect(await consumerNames(view, stream)).toEqual([]);
      expect((await view.jsm.streams.info(stream)).state.consumer_count).toBe(0);
    },
    { timeout: 60_000, interval: 250 },
  );
}, 180_000);
