import type { MalformedRecord, Member } from "@twostep/fleet";
import { connectNatsControlPlane, encodeKey, type NatsControlPlane, type NatsControlPlaneOptions } from "@twostep/nats";
import { startNatsCluster, startNatsServer, type NatsCluster, type NatsServer } from "@twostep/testkit/nats-server";
import { sampleAdvertisement, sampleMember } from "@twostep/testkit/samples";
import { pino, type Logger } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { rawNats } from "./support/raw-nats.js";

// Listings of more than 64 keys read the bucket with one consumer (nats-control-plane.ts, `bulkReadAbove`).
const BULK = 2_000;

/** A pino logger that keeps the messages it logs at info and above. */
function recordingLogger(): { logger: Logger; messages: string[] } {
  const messages: string[] = [];
  return { logger: pino({ level: "info" }, { write: (line: string) => void messages.push(JSON.parse(line).msg) }), messages };
}

/** Runs `write` over `names`, `width` at a time. */
async function inBatches(names: readonly string[], width: number, write: (name: string) => Promise<void>): Promise<void> {
  for (let start = 0; start < names.length; start += width) await Promise.all(names.slice(start, start + width).map(write));
}

/** Members that every listing must show: they were written before the rounds and are never removed, only rewritten. */
const STEADY = [...Array.from({ length: 100 }, (_, index) => `base-${index}`), ...Array.from({ length: 50 }, (_, index) => `noise-${index}`)];

/** Writes the {@link STEADY} members, then keeps rewriting the `noise-` ones until stopped, so that listings run while the bucket changes. */
async function backgroundWriter(plane: NatsControlPlane): Promise<{ stop: () => Promise<number> }> {
  await inBatches(STEADY, 150, (name) => plane.putMember(sampleMember(name)));
  let running = true;
  let written = 0;
  const done = (async () => {
    while (running) {
      await plane.putMember(sampleMember(`noise-${written % 50}`, { build: `w${written}` }));
      written++;
    }
  })();
  return {
    stop: async () => {
      running = false;
      await done;
      return written;
    },
  };
}

/**
 * Each round writes through `writer`, then lists through `reader` once the
 * writes were acknowledged: a new member, a new build of the previous one,
 * the removal of the one before. The listing must show all three.
 */
async function readYourWrites(writer: NatsControlPlane, reader: NatsControlPlane, rounds: number): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    await writer.putMember(sampleMember(`r-${round}`));
    if (round >= 1) await writer.putMember(sampleMember(`r-${round - 1}`, { build: `changed-${round}` }));
    if (round >= 2) await writer.removeMember(`r-${round - 2}`);
    const listed = new Map((await reader.listMembers()).map((member) => [member.nodeId, member]));
    expect(listed.get(`r-${round}`), `round ${round}: the new member`).toEqual(sampleMember(`r-${round}`));
    if (round >= 1) expect(listed.get(`r-${round - 1}`)?.build, `round ${round}: the changed member`).toBe(`changed-${round}`);
    if (round >= 2) expect(listed.has(`r-${round - 2}`), `round ${round}: the removed member`).toBe(false);
    expect(
      STEADY.filter((name) => !listed.has(name)),
      `round ${round}: members written before`,
    ).toEqual([]);
  }
}

const opened: NatsControlPlane[] = [];

/** Connects with `options`; the connection is closed after the test. */
async function open(options: NatsControlPlaneOptions): Promise<NatsControlPlane> {
  const plane = await connectNatsControlPlane(options);
  opened.push(plane);
  return plane;
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((plane) => plane.close()));
});

describe("listing a bucket with one consumer, on one server", () => {
  let server: NatsServer;
  beforeAll(async () => (server = await startNatsServer()));
  afterAll(() => server?.stop());

  test(`lists ${BULK.toLocaleString("en-US")} members and advertisements completely, in key order, without deletes, reporting malformed records as before`, async () => {
    const reports: MalformedRecord[] = [];
    const { logger, messages } = recordingLogger();
    const plane = await open({ servers: server.url, bucketPrefix: "bulk", advertisementTtlMs: 600_000, onMalformed: (record) => reports.push(record), logger });
    const names = Array.from({ length: BULK }, (_, index) => `node-${index}`);
    await inBatches(names, 200, async (name) => {
      await Promise.all([plane.putMember(sampleMember(name)), plane.putAdvertisement(sampleAdvertisement(name))]);
    });
    // Some members change, some leave: a listing shows the last value of each key and skips the delete markers.
    const changed = names.filter((_, index) => index % 100 === 1);
    const removed = names.filter((_, index) => index % 100 === 2);
    await inBatches(changed, 50, (name) => plane.putMember(sampleMember(name, { build: "2.0.0" })));
    await inBatches(removed, 50, (name) => plane.removeMember(name));
    await using raw = await rawNats(server.url);
    const members = await raw.kvm.open("bulk_members");
    await members.put("not-json", "{ nope");
    await members.put("not.encoded", JSON.stringify(sampleMember("not.encoded")));

    const expected = names
      .filter((name) => !removed.includes(name))
      .map((name): Member => sampleMember(name, changed.includes(name) ? { build: "2.0.0" } : {}))
      .sort((a, b) => (encodeKey(a.nodeId) < encodeKey(b.nodeId) ? -1 : 1));
    expect(await plane.listMembers()).toEqual(expected);
    const adverts = await plane.listAdvertisements();
    expect(adverts.map((seen) => seen.advertisement)).toEqual(names.map((name) => sampleAdvertisement(name)).sort((a, b) => (a.nodeId < b.nodeId ? -1 : 1)));
    expect(reports.map((report) => [report.store, report.key])).toEqual([
      ["members", "not.encoded"],
      ["members", "not-json"],
    ]);
    // The consumer was used (on one server it runs on the leader at once), not a get per key.
    expect(messages.filter((message) => message.includes("through the leader"))).toEqual([]);
    // And it is gone once the listing is done.
    await vi.waitFor(async () => {
      for (const stream of ["KV_bulk_members", "KV_bulk_adverts"]) expect((await raw.jsm.streams.info(stream)).state.consumer_count).toBe(0);
    });
  });

  test("a write acknowledged before a listing starts is always in it (300 rounds, another connection writing meanwhile)", async () => {
    const options = { servers: server.url, bucketPrefix: "ryw" };
    const writer = await open(options);
    const reader = await open(options);
    // Its 150 members are enough for every listing to go through the consumer.
    const noise = await backgroundWriter(await open(options));
    try {
      await readYourWrites(writer, reader, 300);
    } finally {
      expect(await noise.stop()).toBeGreaterThan(0);
    }
  });
});

describe("listing a bucket with one consumer, on a cluster of three", () => {
  let cluster: NatsCluster;
  beforeAll(async () => (cluster = await startNatsCluster({ size: 3 })), 60_000);
  afterAll(() => cluster?.stop());

  test("a write acknowledged before a listing starts is always in it, with replicas 3 and consumers placed at random (100 rounds)", async () => {
    const [first, second, third] = cluster.servers;
    if (first === undefined || second === undefined || third === undefined) throw new Error("expected three servers");
    // Writes go in through one server, listings through another; each listing creates consumers, placed on any of the three replicas, until one runs on the leader.
    const writer = await open({ servers: first.url, bucketPrefix: "cl", replicas: 3 });
    const reader = await open({ servers: second.url, bucketPrefix: "cl", create: false });
    const noisy = await open({ servers: third.url, bucketPrefix: "cl", create: false });
    const noise = await backgroundWriter(noisy);
    try {
      await readYourWrites(writer, reader, 100);
    } finally {
      await noise.stop();
    }
  });
});
