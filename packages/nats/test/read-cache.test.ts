import type { Msg } from "@nats-io/transport-node";
import type { StoredEntry } from "@twostep/fleet/control-plane";
import { type NatsServer, startNatsServer } from "@twostep/testkit/nats-server";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { bytes, Planes, textOf } from "./support/planes.js";
import { type RawNats, rawNats } from "./support/raw-nats.js";
import { backupStream, restoreStream } from "./support/stream-backup.js";

// A process that reads the fleet again and again reads only what was stored
// since its last read (see ReadCache), and still gets what a first read of
// the store would: these tests compare the two, around everything that can
// take something out of the store.

let server: NatsServer;
let raw: RawNats;
const planes = new Planes(() => server.url);

beforeAll(async () => {
  server = await startNatsServer();
  raw = await rawNats(server.url);
});
afterAll(async () => {
  await raw?.connection.close();
  await server?.stop();
});
afterEach(() => planes.closeAll());

const level = (capability: string) => ({ kind: "level", capability }) as const;
const member = (nodeId: string) => ({ kind: "member", nodeId, incarnation: "1" }) as const;

/** Key, text, tombstone and revision of each entry. */
function summary(entries: readonly StoredEntry[]): string[] {
  return entries.map((entry) => `${JSON.stringify(entry.key)} ${textOf(entry.value)}${entry.tombstone ? " (tombstone)" : ""} @${entry.revision}`);
}

/** What a first read of the store gives: a new connection, nothing cached. */
async function fresh(prefix: string): Promise<string[]> {
  const reader = await planes.open({ bucketPrefix: prefix, create: false });
  return summary((await reader.read("fleet")).entries);
}

/** Watches the consumers created on `stream`: the deliver policy and start of each. */
async function consumersOf(stream: string): Promise<{ policies: string[]; stop: () => void }> {
  const policies: string[] = [];
  const subscription = raw.connection.subscribe(`$JS.API.CONSUMER.CREATE.${stream}.>`, {
    callback: (_error: Error | null, message: Msg) => {
      const config = (message.json() as { config: { deliver_policy: string; opt_start_seq?: number } }).config;
      policies.push(config.opt_start_seq === undefined ? config.deliver_policy : `${config.deliver_policy} ${config.opt_start_seq}`);
    },
  });
  await raw.connection.flush();
  return { policies, stop: () => subscription.unsubscribe() };
}

/** A plane that read the fleet once (a record and a member), and the consumers created on its stream from then on. */
async function readOnceThenWatched() {
  const prefix = planes.prefix();
  const plane = await planes.open({ bucketPrefix: prefix });
  await plane.append(level("a"), bytes("a1"));
  await plane.append(member("n1"), bytes("m1"));
  const first = await plane.read("fleet");
  const watched = await consumersOf(plane.layout.fleetStream);
  return { prefix, plane, first, watched };
}

describe("reading the fleet again", () => {
  test("reads only what was stored since, and gives what a first read gives: appends, rewrites, tombstones", async () => {
    const { prefix, plane, first, watched } = await readOnceThenWatched();
    try {
      const rewritten = await plane.append(level("a"), bytes("a2"));
      await plane.append(member("n1"), bytes("left"), { tombstone: true });
      await plane.append(member("n2"), bytes("m2"));
      const again = await plane.read("fleet", { atLeast: rewritten });
      // Every creation the plane sent before its read returned has reached the watching connection by now.
      await raw.connection.flush();
      expect(watched.policies).toEqual([`by_start_sequence ${first.position + 1}`]);
      expect(summary(again.entries)).toEqual(await fresh(prefix));
      expect(again.position).toBeGreaterThanOrEqual(rewritten);
      // Nothing stored since: an empty read, the same answer.
      expect(summary((await plane.read("fleet")).entries)).toEqual(await fresh(prefix));
    } finally {
      watched.stop();
    }
  });

  test("nothing stored since the last read: the next read creates no consumer and gives what a first read gives", async () => {
    const { prefix, plane, first, watched } = await readOnceThenWatched();
    try {
      const idle = await plane.read("fleet");
      const asked = await plane.read("fleet", { atLeast: first.position });
      // Every creation the plane sent before its reads returned has reached the watching connection by now.
      await raw.connection.flush();
      expect(watched.policies).toEqual([]);
      expect(idle.position).toBe(first.position);
      expect(asked.position).toBe(first.position);
      expect(summary(idle.entries)).toEqual(await fresh(prefix));
      expect(summary(asked.entries)).toEqual(summary(first.entries));
    } finally {
      watched.stop();
    }
    // Something stored since is read again, with a consumer from the next sequence on.
    const watchedAgain = await consumersOf(plane.layout.fleetStream);
    try {
      await plane.append(level("a"), bytes("a2"));
      const changed = await plane.read("fleet");
      await raw.connection.flush();
      expect(watchedAgain.policies).toEqual([`by_start_sequence ${first.position + 1}`]);
      expect(summary(changed.entries)).toEqual(await fresh(prefix));
    } finally {
      watchedAgain.stop();
    }
  });

  test("asked beyond what the store holds (a store gone backwards): the read gives what it holds, as a first read does, and reads it anew", async () => {
    const { prefix, plane, first, watched } = await readOnceThenWatched();
    try {
      const beyond = await plane.read("fleet", { atLeast: first.position + 5 });
      await raw.connection.flush();
      // From the next sequence on, found short; then everything again, as of what the store holds.
      expect(watched.policies).toEqual([`by_start_sequence ${first.position + 1}`, "last_per_subject"]);
      expect(beyond.position).toBe(first.position);
      expect(summary(beyond.entries)).toEqual(await fresh(prefix));
    } finally {
      watched.stop();
    }
  });

  test("compaction by another connection (a purge) is noticed: the next read reads everything", async () => {
    const prefix = planes.prefix();
    const plane = await planes.open({ bucketPrefix: prefix });
    await plane.append(member("gone"), bytes("m"));
    await plane.append(member("gone"), bytes("left"), { tombstone: true });
    await plane.append(member("stays"), bytes("m"));
    expect((await plane.read("fleet")).entries).toHaveLength(2);
    const other = await planes.open({ bucketPrefix: prefix });
    expect(await other.compact(0)).toBe(1);
    const watched = await consumersOf(plane.layout.fleetStream);
    try {
      expect(summary((await plane.read("fleet")).entries)).toEqual(await fresh(prefix));
      expect(watched.policies[0]).toBe("last_per_subject");
    } finally {
      watched.stop();
    }
    expect((await plane.read("fleet")).entries.map((entry) => entry.key)).toEqual([member("stays")]);
  });

  test("a recreated stream, even one grown past what was read (a restored backup), is read anew", async () => {
    const prefix = planes.prefix();
    const plane = await planes.open({ bucketPrefix: prefix });
    for (let index = 0; index < 5; index++) await plane.append(member(`n${index}`), bytes("m"));
    const before = await plane.read("fleet");
    await raw.jsm.streams.delete(plane.layout.fleetStream);
    const again = await planes.open({ bucketPrefix: prefix });
    for (let index = 0; index < 8; index++) await again.append(level(`c${index}`), bytes("new"));
    const after = await plane.read("fleet");
    expect(after.position).toBeGreaterThan(before.position);
    expect(summary(after.entries)).toEqual(await fresh(prefix));
    expect(after.entries.some((entry) => entry.key.kind === "member")).toBe(false);
  });

  test("a restored backup grown past what was read is read anew, also when the newest message read was a join marker", async () => {
    const prefix = planes.prefix();
    const plane = await planes.open({ bucketPrefix: prefix });
    const stream = plane.layout.fleetStream;
    await plane.append(level("a"), bytes("a1"));
    const backup = await backupStream(raw, stream);
    const created = (await raw.jsm.streams.info(stream)).created;
    await plane.append(level("a"), bytes("a2"));
    const joined = await plane.register([]);
    const before = await plane.read("fleet");
    expect(before.position).toBe(joined.position);
    expect(summary(before.entries)).toEqual([`${JSON.stringify(level("a"))} a2 @2`]);
    // The backup comes back as it was, its creation time included; then nodes write and register again: the
    // sequence of the join marker read holds a join marker again, stored later.
    await raw.jsm.streams.delete(stream);
    await restoreStream(raw, stream, backup);
    expect((await raw.jsm.streams.info(stream)).created).toBe(created);
    await plane.append(member("n1"), bytes("m1"));
    expect((await plane.register([])).position).toBe(joined.position);
    await plane.append(level("b"), bytes("b1"));
    const after = await plane.read("fleet");
    expect(summary(after.entries)).toEqual(await fresh(prefix));
    expect(summary(after.entries)).toEqual([
      `${JSON.stringify(level("a"))} a1 @1`,
      `${JSON.stringify(member("n1"))} m1 @2`,
      `${JSON.stringify(level("b"))} b1 @4`,
    ]);
  });
});

describe("reading the heartbeats again", () => {
  test("nothing stored since but the server's clock: the next read creates no consumer; a heartbeat stored in between is read", async () => {
    const prefix = planes.prefix();
    const plane = await planes.open({ bucketPrefix: prefix });
    const texts = (beats: readonly { value: Uint8Array }[]) => beats.map((beat) => textOf(beat.value));
    await plane.beat({ nodeId: "a", incarnation: "1" }, bytes("a1"), { expect: 0 });
    await plane.readBeats();
    // What a view reads after the heartbeats: the clock, stored in the heartbeats' stream.
    await plane.serverTime();
    const watched = await consumersOf(plane.layout.beatsStream);
    try {
      expect(texts(await plane.readBeats())).toEqual(["a1"]);
      await plane.serverTime();
      expect(texts(await plane.readBeats())).toEqual(["a1"]);
      await raw.connection.flush();
      expect(watched.policies).toEqual([]);
      // Another process's heartbeat between this one's clock and its own: the next read fetches it.
      const other = await planes.open({ bucketPrefix: prefix, create: false });
      await plane.serverTime();
      await other.beat({ nodeId: "b", incarnation: "1" }, bytes("b1"), { expect: 0 });
      await other.serverTime();
      expect(texts(await plane.readBeats())).toEqual(["a1", "b1"]);
      await raw.connection.flush();
      expect(watched.policies).toHaveLength(1);
      expect(texts(await plane.readBeats())).toEqual(texts(await other.readBeats()));
    } finally {
      watched.stop();
    }
  });

  test("reads only what was stored since, with rewrites, tombstones and expiry, as a first read does", async () => {
    const prefix = planes.prefix();
    const plane = await planes.open({ bucketPrefix: prefix, beatTtlMs: 2_000 });
    const a = { nodeId: "a", incarnation: "1" };
    const b = { nodeId: "b", incarnation: "1" };
    const first = await plane.beat(a, bytes("a1"), { expect: 0 });
    await plane.beat(b, bytes("b1"), { expect: 0 });
    expect((await plane.readBeats()).map((beat) => textOf(beat.value))).toEqual(["a1", "b1"]);
    const watched = await consumersOf(plane.layout.beatsStream);
    try {
      await plane.beat(a, bytes("a2"), { expect: first });
      const beats = await plane.readBeats();
      expect(beats.map((beat) => textOf(beat.value))).toEqual(["b1", "a2"]);
      expect(watched.policies).toHaveLength(1);
      expect(watched.policies[0]).toMatch(/^by_start_sequence /);
    } finally {
      watched.stop();
    }
    const reader = await planes.open({ bucketPrefix: prefix, create: false });
    expect((await plane.readBeats()).map((beat) => textOf(beat.value))).toEqual((await reader.readBeats()).map((beat) => textOf(beat.value)));
    // Past the TTL, by the server's clock, a heartbeat is left out, as a first read leaves it out.
    await new Promise((resolve) => setTimeout(resolve, 2_200));
    const fresher = await plane.beat(b, bytes("b2"), { expect: 0 });
    expect(fresher).toBeGreaterThan(0);
    expect((await plane.readBeats()).map((beat) => textOf(beat.value))).toEqual(["b2"]);
  });
});
