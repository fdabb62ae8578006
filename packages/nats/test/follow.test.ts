import { headers } from "@nats-io/transport-node";
import type { Snapshot, StoredEntry } from "@twostep/fleet/control-plane";
import type { NatsControlPlane } from "@twostep/nats";
import { type NatsServer, startNatsServer } from "@twostep/testkit/nats-server";
import { afterAll, afterEach, beforeAll, expect, test, vi } from "vitest";
import { bytes, Planes, textOf } from "./support/planes.js";
import { type RawNats, rawNats } from "./support/raw-nats.js";
import { tcpProxy } from "./support/tcp-proxy.js";

let server: NatsServer;
const planes = new Planes(() => server.url);

beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server?.stop();
});
afterEach(() => planes.closeAll());

const level = (capability: string) => ({ kind: "level", capability }) as const;

/** Everything a follower was given, in order. */
class Recorder {
  readonly events: ({ snapshot: Snapshot } | { entry: StoredEntry })[] = [];
  readonly handlers = {
    onSnapshot: (snapshot: Snapshot) => void this.events.push({ snapshot }),
    onEntry: (entry: StoredEntry) => void this.events.push({ entry }),
  };

  get snapshots(): Snapshot[] {
    return this.events.flatMap((event) => ("snapshot" in event ? [event.snapshot] : []));
  }

  get entries(): StoredEntry[] {
    return this.events.flatMap((event) => ("entry" in event ? [event.entry] : []));
  }

  /** Per capability, the last value the follower was given, and its revision. */
  held(): Map<string, [string, number]> {
    const held = new Map<string, [string, number]>();
    for (const event of this.events) {
      const entries = "snapshot" in event ? event.snapshot.entries : [event.entry];
      if ("snapshot" in event) held.clear();
      for (const entry of entries) if (entry.key.kind === "level") held.set(entry.key.capability, [textOf(entry.value), entry.revision]);
    }
    return held;
  }
}

/** The last value and revision of each capability, as the store holds it. */
async function stored(plane: NatsControlPlane): Promise<Map<string, [string, number]>> {
  const held = new Map<string, [string, number]>();
  for (const entry of (await plane.read("records")).entries)
    if (entry.key.kind === "level") held.set(entry.key.capability, [textOf(entry.value), entry.revision]);
  return held;
}

test("a snapshot first (before follow resolves), then each record as stored, in order; members and markers are not followed", async () => {
  const testStarted = Date.now();
  const prefix = planes.prefix();
  const writer = await planes.open({ bucketPrefix: prefix });
  const node = await planes.open({ bucketPrefix: prefix, create: false });
  const first = await writer.append(level("a"), bytes("a1"));
  const snapshot = await node.register([{ key: { kind: "member", nodeId: "n", incarnation: "1" }, value: bytes("m") }]);
  const recorder = new Recorder();
  await node.follow(recorder.handlers, { from: snapshot.position });
  expect(recorder.events).toHaveLength(1);
  expect(recorder.snapshots[0]?.entries.map((entry) => entry.revision)).toEqual([first]);
  expect(recorder.snapshots[0]?.position).toBeGreaterThanOrEqual(snapshot.position);

  const revisions: number[] = [];
  for (let index = 2; index <= 20; index++) {
    revisions.push(await writer.append(level(index % 2 === 0 ? "a" : "b"), bytes(`v${index}`)));
    await writer.append({ kind: "member", nodeId: `n${index}`, incarnation: "1" }, bytes("m"));
  }
  revisions.push(await writer.append(level("a"), bytes("gone"), { tombstone: true }));
  await vi.waitFor(() => expect(recorder.entries.map((entry) => entry.revision)).toEqual(revisions));
  expect(recorder.entries.at(-1)?.tombstone).toBe(true);
  expect(recorder.snapshots).toHaveLength(1);
  expect(recorder.held()).toEqual(await stored(writer));
  const at = recorder.entries[0]!.at;
  // The server's timestamp, within this test (the server runs on this machine's clock; 1 s for rounding).
  expect(at).toBeGreaterThanOrEqual(testStarted - 1_000);
  expect(at).toBeLessThanOrEqual(Date.now() + 1_000);
});

/** Counts the consumer creations asked of `stream` from now on (under the stream's name or below it). */
async function countCreations(raw: RawNats, stream: string): Promise<{ readonly count: number }> {
  const counter = { count: 0 };
  for (const subject of [`$JS.API.CONSUMER.CREATE.${stream}`, `$JS.API.CONSUMER.CREATE.${stream}.>`]) {
    raw.connection.subscribe(subject, { callback: () => void counter.count++ });
  }
  await raw.connection.flush();
  return counter;
}

test("a follow right after register starts from register's read: the same snapshot, no consumer, then each record as stored", async () => {
  const prefix = planes.prefix();
  const writer = await planes.open({ bucketPrefix: prefix });
  const node = await planes.open({ bucketPrefix: prefix, create: false });
  const a1 = await writer.append(level("a"), bytes("a1"));
  await using raw = await rawNats(server.url);
  // A subject under the records that is not twostep's: read by register, it is no gap when it comes again.
  await raw.js.publish(`${prefix}.fleet.r.s.x.y`, bytes("someone else's"));
  const snapshot = await node.register([{ key: { kind: "member", nodeId: "n", incarnation: "1" }, value: bytes("m") }]);
  const creations = await countCreations(raw, writer.layout.fleetStream);
  const recorder = new Recorder();
  await node.follow(recorder.handlers, { from: snapshot.position });
  await raw.connection.flush();
  expect(creations.count).toBe(0);
  expect(recorder.snapshots).toEqual([snapshot]);
  await raw.js.publish(`${prefix}.fleet.r.s.x.y`, bytes("again"));
  const a2 = await writer.append(level("a"), bytes("a2"));
  await vi.waitFor(() => expect(recorder.held()).toEqual(new Map([["a", ["a2", a2]]])));
  expect(recorder.entries.map((entry) => entry.revision)).toEqual([a2]);
  expect(recorder.snapshots).toHaveLength(1);
  expect(a2).toBeGreaterThan(a1);
  // Taken once: a second follow reads the records.
  await node.follow(new Recorder().handlers, { from: snapshot.position });
  // Every creation sent before the follow returned has reached the counting connection once it answers a ping.
  await raw.connection.flush();
  expect(creations.count).toBeGreaterThanOrEqual(1);
});

test("a record stored between register and follow is in the follower's first snapshot", async () => {
  const prefix = planes.prefix();
  const writer = await planes.open({ bucketPrefix: prefix });
  const node = await planes.open({ bucketPrefix: prefix, create: false });
  await writer.append(level("a"), bytes("a1"));
  const snapshot = await node.register([{ key: { kind: "member", nodeId: "n", incarnation: "1" }, value: bytes("m") }]);
  // Stored before the follower subscribed: republished to nobody here.
  const b1 = await writer.append(level("b"), bytes("b1"));
  const recorder = new Recorder();
  await node.follow(recorder.handlers, { from: snapshot.position });
  expect(recorder.snapshots).toHaveLength(1);
  expect(recorder.snapshots[0]?.position).toBeGreaterThanOrEqual(b1);
  expect(recorder.held()).toEqual(await stored(writer));
  expect(recorder.held().get("b")).toEqual(["b1", b1]);
});

test("a republished message that does not follow the last one seen of its subject (a gap) makes the follower read everything again", async () => {
  const prefix = planes.prefix();
  const plane = await planes.open({ bucketPrefix: prefix });
  const revision = await plane.append(level("a"), bytes("a1"));
  const recorder = new Recorder();
  await plane.follow(recorder.handlers);
  await using raw = await rawNats(server.url);
  // As the stream would republish it, had the message before it been lost on the way.
  const forged = headers();
  forged.set("Nats-Stream", plane.layout.fleetStream);
  forged.set("Nats-Subject", `${prefix}.fleet.r.s.l.a`);
  forged.set("Nats-Sequence", String(revision + 2));
  forged.set("Nats-Last-Sequence", String(revision + 1));
  raw.connection.publish(`${prefix}.follow.l.a`, "forged", { headers: forged });
  await vi.waitFor(() => expect(recorder.snapshots).toHaveLength(2));
  expect(recorder.entries).toEqual([]);
  expect(recorder.held()).toEqual(new Map([["a", ["a1", revision]]]));
  // And it goes on following.
  const next = await plane.append(level("a"), bytes("a2"));
  await vi.waitFor(() => expect(recorder.held()).toEqual(new Map([["a", ["a2", next]]])));
});

test("a subject under the records that is not twostep's, stored before the snapshot and again after it, is no gap: no second snapshot", async () => {
  const prefix = planes.prefix();
  const malformed: string[] = [];
  const plane = await planes.open({ bucketPrefix: prefix, onMalformed: (report) => void malformed.push(report.subject) });
  await using raw = await rawNats(server.url);
  const foreign = `${prefix}.fleet.r.s.x.y`;
  await raw.js.publish(foreign, bytes("someone else's"));
  const recorder = new Recorder();
  await plane.follow(recorder.handlers);
  expect(recorder.snapshots).toHaveLength(1);
  // Republished with the sequence its subject had before: the one the snapshot read, though it left the subject out.
  await raw.js.publish(foreign, bytes("again"));
  const next = await plane.append(level("a"), bytes("a1"));
  // Republished in order: once the record is held, the foreign message before it was taken.
  await vi.waitFor(() => expect(recorder.held()).toEqual(new Map([["a", ["a1", next]]])));
  expect(recorder.snapshots).toHaveLength(1);
  expect(recorder.entries.map((entry) => entry.revision)).toEqual([next]);
  expect(malformed).toContain(foreign);
});

test("a cut connection loses what was republished meanwhile: the follower resyncs on reconnect and holds every record", async () => {
  const prefix = planes.prefix();
  await using proxy = await tcpProxy(server.port);
  const writer = await planes.open({ bucketPrefix: prefix });
  const node = await planes.open({ bucketPrefix: prefix, create: false, servers: proxy.url });
  await writer.append(level("a"), bytes("a1"));
  const recorder = new Recorder();
  await node.follow(recorder.handlers);
  for (let round = 0; round < 3; round++) {
    proxy.cut();
    await writer.append(level("a"), bytes(`a-${round}`));
    await writer.append(level(`c${round}`), bytes("new"));
    await vi.waitFor(async () => expect(recorder.held()).toEqual(await stored(writer)), { timeout: 10_000 });
  }
  expect(recorder.snapshots.length).toBeGreaterThan(1);
});

test("a server restart: the follower resyncs once reconnected and follows on", async () => {
  const local = await startNatsServer();
  try {
    const plane = await planes.open({ bucketPrefix: planes.prefix(), servers: local.url, timeoutMs: 1_000 });
    await plane.append(level("a"), bytes("a1"));
    const recorder = new Recorder();
    await plane.follow(recorder.handlers);
    await local.restart();
    await vi.waitFor(() => expect(recorder.snapshots.length).toBeGreaterThan(1), { timeout: 15_000, interval: 100 });
    const next = await plane.append(level("a"), bytes("a2"));
    await vi.waitFor(() => expect(recorder.held()).toEqual(new Map([["a", ["a2", next]]])));
  } finally {
    await local.stop();
  }
});

test("the stream recreated (store lost): the follower is given a snapshot with the lower revisions", async () => {
  const prefix = planes.prefix();
  const writer = await planes.open({ bucketPrefix: prefix });
  const node = await planes.open({ bucketPrefix: prefix, create: false, resyncMs: 60_000 });
  for (let index = 0; index < 10; index++) await writer.append(level("a"), bytes(`a${index}`));
  const recorder = new Recorder();
  await node.follow(recorder.handlers);
  const before = recorder.held().get("a")?.[1] ?? 0;
  await using raw = await rawNats(server.url);
  await raw.jsm.streams.delete(writer.layout.fleetStream);
  const again = await planes.open({ bucketPrefix: prefix });
  const lower = await again.append(level("a"), bytes("after"));
  expect(lower).toBeLessThan(before);
  await vi.waitFor(() => expect(recorder.held()).toEqual(new Map([["a", ["after", lower]]])), { timeout: 10_000 });
  expect(recorder.snapshots.at(-1)?.position).toBeLessThan(before);
});

test("follow from a position the store does not hold (it went backwards) delivers what it holds after a bounded wait", async () => {
  const plane = await planes.open({ bucketPrefix: planes.prefix() });
  const revision = await plane.append(level("a"), bytes("a1"));
  const recorder = new Recorder();
  await plane.follow(recorder.handlers, { from: revision + 10 });
  expect(recorder.snapshots[0]?.position).toBe(revision);
});

test("idle followers hold no consumer; every resyncMs a backstop checks with the leader, every tenth reads everything again once the log lost a message; stop ends all delivery", async () => {
  const prefix = planes.prefix();
  const plane = await planes.open({ bucketPrefix: prefix, resyncMs: 100 });
  await plane.append(level("a"), bytes("a1"));
  const recorders = [new Recorder(), new Recorder(), new Recorder()];
  const subscriptions = await Promise.all(recorders.map((recorder) => plane.follow(recorder.handlers)));
  // A message purged: the log lost something since they read it (otherwise only every hundredth backstop reads again).
  await using raw = await rawNats(server.url);
  await plane.append({ kind: "member", nodeId: "n", incarnation: "1" }, bytes("n"));
  await raw.jsm.streams.purge(plane.layout.fleetStream, { filter: `${plane.layout.prefix}.fleet.m.>` });
  // Follows on: what it was given shows when the record stored after the others stopped has been delivered.
  const goesOn = new Recorder();
  const going = await plane.follow(goesOn.handlers);
  for (let look = 0; look < 5; look++) {
    await new Promise((resolve) => setTimeout(resolve, 97));
    const info = await raw.jsm.streams.info(plane.layout.fleetStream);
    // A resync's consumer lives for a few ms; an idle follower holds none.
    expect(info.state.consumer_count).toBeLessThanOrEqual(recorders.length + 1);
  }
  await vi.waitFor(() => expect(Math.min(...recorders.map((recorder) => recorder.snapshots.length))).toBeGreaterThanOrEqual(2), { timeout: 10_000 });
  await Promise.all(subscriptions.map((subscription) => subscription.stop()));
  const counts = recorders.map((recorder) => recorder.events.length);
  const a2 = await plane.append(level("a"), bytes("a2"));
  await vi.waitFor(() => expect(goesOn.held()).toEqual(new Map([["a", ["a2", a2]]])), { timeout: 30_000 });
  expect(recorders.map((recorder) => recorder.events.length)).toEqual(counts);
  await going.stop();
  await vi.waitFor(async () => expect((await raw.jsm.streams.info(plane.layout.fleetStream)).state.consumer_count).toBe(0), { timeout: 30_000 });
});

test("a backstop check that finds nothing missed delivers nothing and reads nothing with a consumer", async () => {
  const prefix = planes.prefix();
  const writer = await planes.open({ bucketPrefix: prefix });
  const node = await planes.open({ bucketPrefix: prefix, create: false, resyncMs: 60 });
  await writer.append(level("a"), bytes("a1"));
  const recorder = new Recorder();
  await node.follow(recorder.handlers);
  const next = await writer.append(level("a"), bytes("a2"));
  await vi.waitFor(() => expect(recorder.held()).toEqual(new Map([["a", ["a2", next]]])));
  await using raw = await rawNats(server.url);
  const stream = writer.layout.fleetStream;
  const created = (await raw.jsm.streams.info(stream)).state.consumer_count;
  // Counted from here on: each check begins with a STREAM.INFO (only the node asks it now); a consumer is made with a
  // CONSUMER.CREATE, under the stream's name or below it.
  let checks = 0;
  let creations = 0;
  raw.connection.subscribe(`$JS.API.STREAM.INFO.${stream}`, { callback: () => void checks++ });
  for (const subject of [`$JS.API.CONSUMER.CREATE.${stream}`, `$JS.API.CONSUMER.CREATE.${stream}.>`]) {
    raw.connection.subscribe(subject, { callback: () => void creations++ });
  }
  await raw.connection.flush();
  // Every tenth check reads everything again (a STREAM.INFO, a consumer, a snapshot); a loaded machine may reach one
  // before the assertions: wait for three checks that were not such a read, and count the reads apart.
  await vi.waitFor(() => expect(checks - creations).toBeGreaterThanOrEqual(3), { timeout: 30_000 });
  // No snapshot without a read by a consumer (a read's creation may be asked more than once: see create-consumer.ts).
  expect(recorder.snapshots.length - 1).toBeLessThanOrEqual(creations);
  expect(recorder.held()).toEqual(new Map([["a", ["a2", next]]]));
  await vi.waitFor(async () => expect((await raw.jsm.streams.info(stream)).state.consumer_count).toBe(created), { timeout: 30_000 });
});

test("with the default resync period an idle follower creates no consumer at all", async () => {
  const plane = await planes.open({ bucketPrefix: planes.prefix() });
  await plane.append(level("a"), bytes("a1"));
  await plane.follow(new Recorder().handlers);
  await using raw = await rawNats(server.url);
  await vi.waitFor(async () => expect((await raw.jsm.streams.info(plane.layout.fleetStream)).state.consumer_count).toBe(0));
  for (let look = 0; look < 10; look++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await raw.jsm.streams.info(plane.layout.fleetStream)).state.consumer_count).toBe(0);
  }
});

test("a handler that throws does not stop delivery", async () => {
  const plane = await planes.open({ bucketPrefix: planes.prefix() });
  const seen: number[] = [];
  await plane.follow({
    onSnapshot: () => {
      throw new Error("snapshot handler failed");
    },
    onEntry: (entry) => {
      seen.push(entry.revision);
      throw new Error("entry handler failed");
    },
  });
  const revisions = [await plane.append(level("a"), bytes("1")), await plane.append(level("a"), bytes("2"))];
  await vi.waitFor(() => expect(seen).toEqual(revisions));
});
