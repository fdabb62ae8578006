import { headers, nanos } from "@nats-io/transport-node";
import { StorageType } from "@nats-io/jetstream";
import { isTwostepError } from "@twostep/core";
import { FleetErrorCode, type StoredEntry } from "@twostep/fleet/control-plane";
import type { MalformedSubject } from "@twostep/nats";
import { beatSubject } from "@twostep/nats/internal";
import { type NatsServer, startNatsServer } from "@twostep/testkit/nats-server";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { bytes, Planes, textOf } from "./support/planes.js";
import { rawNats } from "./support/raw-nats.js";
import { failure } from "../../fleet/test/support/outcomes.js";

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
const member = (nodeId: string, incarnation: string) => ({ kind: "member", nodeId, incarnation }) as const;

/** What a test compares of an entry: its key, text, tombstone and revision. */
function summary(entry: StoredEntry): [string, string, boolean, number] {
  const key = entry.key;
  const name = "capability" in key ? `${key.kind} ${key.capability}` : "nodeId" in key ? `${key.kind} ${key.nodeId}@${key.incarnation}` : key.kind;
  return [name, textOf(entry.value), entry.tombstone, entry.revision];
}

describe("layout", () => {
  test("creates the two streams of docs/nats.md: the log with full history and its republish, the heartbeats with the TTL", async () => {
    const prefix = planes.prefix();
    const plane = await planes.open({ bucketPrefix: prefix, beatTtlMs: 4_000 });
    await using raw = await rawNats(server.url);
    expect((await raw.jsm.streams.info(`${prefix.toUpperCase()}_FLEET`)).config).toMatchObject({
      subjects: [`${prefix}.fleet.>`],
      storage: "file",
      max_msgs_per_subject: -1,
      max_age: 0,
      allow_rollup_hdrs: false,
      deny_delete: true,
      deny_purge: false,
      allow_direct: false,
      duplicate_window: nanos(120_000),
      republish: { src: `${prefix}.fleet.r.s.>`, dest: `${prefix}.follow.>` },
    });
    expect((await raw.jsm.streams.info(`KV_${prefix}_beats`)).config).toMatchObject({
      subjects: [`$KV.${prefix}_beats.>`],
      max_msgs_per_subject: 1,
      max_age: nanos(4_000),
      allow_rollup_hdrs: false,
      deny_delete: true,
      allow_direct: false,
    });
    expect(plane.beatTtlMs).toBe(4_000);
    expect(plane.layout.fleetStream).toBe(`${prefix.toUpperCase()}_FLEET`);
  });

  test("a later connection keeps the heartbeat stream's own TTL, and a node binds without creating anything", async () => {
    const prefix = planes.prefix();
    await planes.open({ bucketPrefix: prefix, beatTtlMs: 4_000 });
    expect((await planes.open({ bucketPrefix: prefix, beatTtlMs: 9_000 })).beatTtlMs).toBe(4_000);
    expect((await planes.open({ bucketPrefix: prefix, create: false })).beatTtlMs).toBe(4_000);
  });

  test("binding to streams that do not exist is ControlPlaneMisconfiguredError naming create: true", async () => {
    const error = await failure(planes.open({ bucketPrefix: planes.prefix(), create: false }));
    expect(isTwostepError(error, FleetErrorCode.Misconfigured)).toBe(true);
    expect(error.message).toContain("create: true");
  });

  test("a log that allows rollups or deletes, keeps a limited history, or does not republish is refused, naming each fix", async () => {
    const prefix = planes.prefix();
    await using raw = await rawNats(server.url);
    await raw.jsm.streams.add({ name: `${prefix.toUpperCase()}_FLEET`, subjects: [`${prefix}.fleet.>`], allow_rollup_hdrs: true, max_msgs_per_subject: 5 });
    const error = await failure(planes.open({ bucketPrefix: prefix }));
    expect(isTwostepError(error, FleetErrorCode.Misconfigured)).toBe(true);
    expect(error.message).toContain("allows rollups");
    expect(error.message).toContain("allows message deletes");
    expect(error.message).toContain("drops messages by a limit");
    expect(error.message).toContain(`does not republish ${prefix}.fleet.r.s.>`);
  });

  test("a heartbeat stream that allows rollups or deletes, is kept in memory, never expires, keeps more than one message per subject or drops by a limit is refused, naming each fix", async () => {
    const prefix = planes.prefix();
    await planes.open({ bucketPrefix: prefix });
    await using raw = await rawNats(server.url);
    const beats = `KV_${prefix}_beats`;
    await raw.jsm.streams.delete(beats);
    await raw.jsm.streams.add({
      name: beats,
      subjects: [`$KV.${prefix}_beats.>`],
      allow_rollup_hdrs: true,
      storage: StorageType.Memory,
      max_msgs_per_subject: 5,
      max_msgs: 50,
    });
    const error = await failure(planes.open({ bucketPrefix: prefix, create: false }));
    expect(isTwostepError(error, FleetErrorCode.Misconfigured)).toBe(true);
    expect(error.message).toContain(`${beats} allows rollups`);
    expect(error.message).toContain(`${beats} allows message deletes`);
    expect(error.message).toContain(`${beats} is kept in memory`);
    expect(error.message).toContain(`${beats} has no max age`);
    expect(error.message).toContain(`${beats} keeps 5 messages per subject, not one`);
    expect(error.message).toContain(`${beats} drops messages by a limit of messages or bytes`);
  });

  test("a prefix NATS names cannot carry is InvalidRequestError", async () => {
    const error = await failure(planes.open({ bucketPrefix: "Not.Valid" }));
    expect(isTwostepError(error, FleetErrorCode.InvalidRequest)).toBe(true);
  });
});

describe("the log", () => {
  test("append: revisions increase over every key, compare-and-set per key, tombstones kept, get gives the last entry", async () => {
    const testStarted = Date.now();
    const plane = await planes.open({ bucketPrefix: planes.prefix() });
    const first = await plane.append(level("orders.OrderPlaced"), bytes("v1"), { expect: 0 });
    const joined = await plane.append(member("shop-1", "0a"), bytes("m"));
    const second = await plane.append(level("orders.OrderPlaced"), bytes("v2"), { expect: first });
    expect(first).toBeLessThan(joined);
    expect(joined).toBeLessThan(second);
    for (const stale of [0, first, second + 1]) {
      const error = await failure(plane.append(level("orders.OrderPlaced"), bytes("late"), { expect: stale }));
      expect(isTwostepError(error, FleetErrorCode.RevisionConflict)).toBe(true);
      expect(error.message).toContain("level orders.OrderPlaced changed since revision");
    }
    const gone = await plane.append(member("shop-1", "0a"), bytes("left"), { tombstone: true, expect: joined });
    expect(summary((await plane.get(member("shop-1", "0a")))!)).toEqual(["member shop-1@0a", "left", true, gone]);
    expect(summary((await plane.get(level("orders.OrderPlaced")))!)).toEqual(["level orders.OrderPlaced", "v2", false, second]);
    expect(await plane.get(level("never.Written"))).toBeUndefined();
    const at = (await plane.get(level("orders.OrderPlaced")))!.at;
    // The server's timestamp of the write, within this test (the server runs on this machine's clock; 1 s for rounding).
    expect(at).toBeGreaterThanOrEqual(testStarted - 1_000);
    expect(at).toBeLessThanOrEqual(Date.now() + 1_000);
  });

  test("of two appends expecting the same revision exactly one wins, across connections", async () => {
    const prefix = planes.prefix();
    const [a, b] = [await planes.open({ bucketPrefix: prefix }), await planes.open({ bucketPrefix: prefix })];
    let revision = await a.append(level("race"), bytes("0"), { expect: 0 });
    for (let round = 0; round < 30; round++) {
      const results = await Promise.allSettled([
        a.append(level("race"), bytes(`a${round}`), { expect: revision }),
        b.append(level("race"), bytes(`b${round}`), { expect: revision }),
      ]);
      const won = results.filter((result) => result.status === "fulfilled");
      expect(won).toHaveLength(1);
      revision = (won[0] as PromiseFulfilledResult<number>).value;
    }
  });

  test("register appends in order (a build only once), then returns the records as of a position after them, without members or markers", async () => {
    const plane = await planes.open({ bucketPrefix: planes.prefix() });
    const meta = await plane.append({ kind: "meta" }, bytes("meta"), { expect: 0 });
    const levelRevision = await plane.append(level("a.B"), bytes("l1"), { expect: 0 });
    const build = { key: { kind: "build", buildId: "0f3a" } as const, value: bytes("build"), ifAbsent: true };
    const snapshot = await plane.register([build, { key: member("shop-1", "01"), value: bytes("m1") }]);
    expect(snapshot.entries.map(summary)).toEqual([
      ["meta", "meta", false, meta],
      ["level a.B", "l1", false, levelRevision],
    ]);
    const joined = (await plane.get(member("shop-1", "01")))!.revision;
    expect(snapshot.position).toBeGreaterThan(joined);
    const again = await plane.register([
      { ...build, value: bytes("other") },
      { key: member("shop-1", "02"), value: bytes("m2") },
    ]);
    expect(again.position).toBeGreaterThan(snapshot.position);
    expect(textOf((await plane.get(build.key))!.value)).toBe("build");
  });

  test("read: the records or the whole fleet, last entry per key in revision order, tombstones included", async () => {
    const plane = await planes.open({ bucketPrefix: planes.prefix() });
    expect(await plane.read("fleet")).toEqual({ entries: [], position: 0 });
    const l1 = await plane.append(level("x"), bytes("1"));
    const m1 = await plane.append(member("n", "1"), bytes("m"));
    const l2 = await plane.append(level("x"), bytes("2"));
    const gone = await plane.append(member("n", "1"), bytes("bye"), { tombstone: true });
    const refusal = await plane.append({ kind: "refusal", capability: null }, bytes("no"));
    const records = await plane.read("records");
    expect(records.entries.map(summary)).toEqual([["level x", "2", false, l2]]);
    expect(records.position).toBeGreaterThanOrEqual(l2);
    const fleet = await plane.read("fleet", { atLeast: refusal });
    expect(fleet.entries.map(summary)).toEqual([
      ["level x", "2", false, l2],
      ["member n@1", "bye", true, gone],
      ["refusal null", "no", false, refusal],
    ]);
    expect(fleet.position).toBe(refusal);
    expect([l1, m1].every((revision) => revision < fleet.position)).toBe(true);
  });

  test("read with atLeast outside the scope's subjects ends at once, proven by the stream leader", async () => {
    const plane = await planes.open({ bucketPrefix: planes.prefix() });
    await plane.append(level("x"), bytes("1"));
    const joined = await plane.append(member("n", "1"), bytes("m"));
    const records = await plane.read("records", { atLeast: joined });
    // Proven by the leader: a read that waited instead would end below `joined`, taken for a store that went backwards.
    expect(records.position).toBeGreaterThanOrEqual(joined);
  });

  test("read with atLeast beyond what the store holds (a store that went backwards) resolves below it after a bounded wait", async () => {
    const plane = await planes.open({ bucketPrefix: planes.prefix() });
    const last = await plane.append(level("x"), bytes("1"));
    const records = await plane.read("records", { atLeast: last + 50 });
    expect(records.position).toBe(last);
    expect(records.entries).toHaveLength(1);
  });

  test("a read as of a position stored while it runs waits for it, as it waits for a lagging replica to deliver it", async () => {
    const plane = await planes.open({ bucketPrefix: planes.prefix() });
    const last = await plane.append(level("x"), bytes("1"));
    await using raw = await rawNats(server.url);
    let settled = false;
    const reading = plane.read("records", { atLeast: last + 1 }).finally(() => (settled = true));
    // Waiting: its consumer is there (a read holds one until it ends), and it has not ended.
    await vi.waitFor(async () => expect((await raw.jsm.streams.info(plane.layout.fleetStream)).state.consumer_count).toBe(1), { timeout: 30_000 });
    expect(settled).toBe(false);
    const next = await plane.append(level("y"), bytes("2"));
    const records = await reading;
    expect(records.position).toBe(next);
    expect(records.entries.map(summary)).toEqual([
      ["level x", "1", false, last],
      ["level y", "2", false, next],
    ]);
  });

  test("reads leave no consumer behind", async () => {
    const plane = await planes.open({ bucketPrefix: planes.prefix() });
    await plane.register([{ key: member("n", "1"), value: bytes("m") }]);
    await plane.read("fleet");
    await plane.history();
    await using raw = await rawNats(server.url);
    await vi.waitFor(async () => expect((await raw.jsm.streams.info(plane.layout.fleetStream)).state.consumer_count).toBe(0));
  });

  test("a message under a subject twostep does not write is skipped and reported", async () => {
    const reports: MalformedSubject[] = [];
    const prefix = planes.prefix();
    const plane = await planes.open({ bucketPrefix: prefix, onMalformed: (report) => reports.push(report) });
    await plane.append(level("x"), bytes("1"));
    await using raw = await rawNats(server.url);
    await raw.js.publish(`${prefix}.fleet.r.s.l.not.encoded`, "?");
    await raw.js.publish(`${prefix}.fleet.zz`, "?");
    expect((await plane.read("fleet")).entries.map(summary).map(([name]) => name)).toEqual(["level x"]);
    expect(reports.map((report) => report.subject)).toEqual([`${prefix}.fleet.r.s.l.not.encoded`, `${prefix}.fleet.zz`]);
  });
});

describe("history", () => {
  test("every entry of records, refusals and decommissions, oldest first; one capability's; the last few", async () => {
    const plane = await planes.open({ bucketPrefix: planes.prefix() });
    await plane.append({ kind: "meta" }, bytes("meta"));
    await plane.append(level("a"), bytes("a1"));
    await plane.append(member("n", "1"), bytes("m"));
    await plane.append({ kind: "refusal", capability: "a" }, bytes("ra"));
    await plane.append(level("b"), bytes("b1"));
    await plane.append({ kind: "decommission", nodeId: "n", incarnation: "1" }, bytes("d"));
    await plane.append(level("a"), bytes("a2"));
    await plane.append({ kind: "refusal", capability: null }, bytes("r-"));
    await plane.register([{ key: member("o", "2"), value: bytes("m") }]);
    const texts = (entries: StoredEntry[]) => entries.map((entry) => textOf(entry.value));
    expect(texts(await plane.history())).toEqual(["meta", "a1", "ra", "b1", "d", "a2", "r-"]);
    expect(texts(await plane.history({ capability: "a" }))).toEqual(["a1", "ra", "a2"]);
    expect(texts(await plane.history({ limit: 2 }))).toEqual(["a2", "r-"]);
    expect(await plane.history({ limit: 0 })).toEqual([]);
    expect(await plane.history({ capability: "none" })).toEqual([]);
    const revisions = (await plane.history()).map((entry) => entry.revision);
    expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
  });

  test("watchHistory delivers the history entries stored after the call, in order, and nothing else", async () => {
    const plane = await planes.open({ bucketPrefix: planes.prefix() });
    await plane.append(level("a"), bytes("before"));
    const seen: string[] = [];
    const watch = await plane.watchHistory((entry) => seen.push(textOf(entry.value)));
    // Watches on: what it was given shows when the entry stored after the stop has been delivered.
    const goesOn: string[] = [];
    await plane.watchHistory((entry) => goesOn.push(textOf(entry.value)));
    await plane.append(level("a"), bytes("a2"));
    await plane.register([{ key: member("n", "1"), value: bytes("m") }]);
    await plane.append({ kind: "refusal", capability: "a" }, bytes("ra"));
    await plane.append({ kind: "decommission", nodeId: "n", incarnation: "1" }, bytes("d"));
    await vi.waitFor(() => expect(seen).toEqual(["a2", "ra", "d"]));
    await watch.stop();
    await plane.append(level("a"), bytes("after"));
    await vi.waitFor(() => expect(goesOn).toEqual(["a2", "ra", "d", "after"]));
    expect(seen).toEqual(["a2", "ra", "d"]);
  });
});

describe("heartbeats", () => {
  const key = { nodeId: "shop-1", incarnation: "0a" };

  test("beat: compare-and-set by revision, tombstones, readBeat and readBeats", async () => {
    const plane = await planes.open({ bucketPrefix: planes.prefix() });
    const serverBefore = await plane.serverTime();
    const first = await plane.beat(key, bytes("b1"), { expect: 0 });
    const error = await failure(plane.beat(key, bytes("b?"), { expect: 0 }));
    expect(isTwostepError(error, FleetErrorCode.RevisionConflict)).toBe(true);
    const second = await plane.beat(key, bytes("b2"), { expect: first });
    expect(await failure(plane.beat(key, bytes("b?"), { expect: first }))).toMatchObject({ code: FleetErrorCode.RevisionConflict });
    await plane.beat({ nodeId: "shop-2", incarnation: "0b" }, bytes("other"), { expect: 0 });
    const beat = (await plane.readBeat(key))!;
    expect([textOf(beat.value), beat.revision, beat.tombstone]).toEqual(["b2", second, false]);
    // Stamped by the server's clock: between the server's time before the test's first beat and now.
    expect(beat.at).toBeGreaterThanOrEqual(serverBefore);
    expect(beat.at).toBeLessThanOrEqual(await plane.serverTime());
    const ended = await plane.beat(key, bytes("gone"), { expect: second, tombstone: true });
    const all = await plane.readBeats();
    expect(all.map((each) => [each.key.nodeId, textOf(each.value), each.tombstone])).toEqual([
      ["shop-2", "other", false],
      ["shop-1", "gone", true],
    ]);
    expect((await plane.readBeat(key))?.revision).toBe(ended);
    expect(await plane.readBeat({ nodeId: "nobody", incarnation: "1" })).toBeUndefined();
  });

  test("a heartbeat past the TTL by the server's clock is left out of readBeats, and expect 0 replaces it, removed by the server or not", async () => {
    const plane = await planes.open({ bucketPrefix: planes.prefix(), beatTtlMs: 1_000 });
    await plane.beat(key, bytes("b1"), { expect: 0 });
    const stored = (await plane.readBeat(key))!;
    expect(await plane.readBeats()).toHaveLength(1);
    await vi.waitFor(async () => expect(await plane.serverTime()).toBeGreaterThan(stored.at + 1_000), { timeout: 30_000 });
    expect(await plane.readBeats()).toEqual([]);
    const revision = await plane.beat(key, bytes("again"), { expect: 0 });
    expect(textOf((await plane.readBeat(key))!.value)).toBe("again");
    expect((await plane.readBeat(key))!.revision).toBe(revision);
  });

  test("a heartbeat past the TTL is left out of readBeats, and expect 0 replaces it, even before the server removed it", async () => {
    const prefix = planes.prefix();
    const plane = await planes.open({ bucketPrefix: prefix, beatTtlMs: 1_000 });
    expect(plane.beatTtlMs).toBe(1_000);
    // The server removes a heartbeat on its own schedule, soon after the TTL: here it keeps it a minute (the stream's max
    // age raised under the plane, which judges by the TTL it connected with), so that what follows runs while it is stored.
    await using raw = await rawNats(server.url);
    await raw.jsm.streams.update(plane.layout.beatsStream, { max_age: nanos(60_000) });
    const first = await plane.beat(key, bytes("b1"), { expect: 0 });
    const stored = (await plane.readBeat(key))!;
    expect(await plane.readBeats()).toHaveLength(1);
    await vi.waitFor(async () => expect(await plane.serverTime()).toBeGreaterThan(stored.at + 1_000), { timeout: 30_000 });
    const subject = beatSubject(plane.layout, key);
    expect((await raw.jsm.streams.getMessage(plane.layout.beatsStream, { last_by_subj: subject }))?.seq).toBe(first);
    expect(await plane.readBeats()).toEqual([]);
    expect(await failure(plane.beat(key, bytes("b?"), { expect: first + 1 }))).toMatchObject({ code: FleetErrorCode.RevisionConflict });
    const revision = await plane.beat(key, bytes("again"), { expect: 0 });
    expect(revision).toBeGreaterThan(first);
    expect(textOf((await plane.readBeat(key))!.value)).toBe("again");
    expect((await plane.readBeat(key))!.revision).toBe(revision);
  });

  test("regression: reading the heartbeats while they are rewritten ends (nats-server 2.9.10 can leave the pending count of each message at 1)", async () => {
    const plane = await planes.open({ bucketPrefix: planes.prefix() });
    for (let index = 0; index < 5; index++) await plane.beat({ nodeId: `n${index}`, incarnation: "1" }, bytes("b"), { expect: 0 });
    let running = true;
    const beating = (async () => {
      let revision = await plane.beat(key, bytes("b"), { expect: 0 });
      while (running) revision = await plane.beat(key, bytes("b"), { expect: revision });
    })();
    try {
      for (let round = 0; round < 30; round++) {
        // A read stuck on the pending count never drains: it would end in a timeout, or hang, not here.
        expect((await plane.readBeats()).length).toBe(6);
      }
    } finally {
      running = false;
      await beating;
    }
  });

  test("serverTime is the server's clock", async () => {
    const plane = await planes.open({ bucketPrefix: planes.prefix() });
    const [before, time, after] = [Date.now(), await plane.serverTime(), Date.now()];
    expect(time).toBeGreaterThanOrEqual(before - 1_000);
    expect(time).toBeLessThanOrEqual(after + 1_000);
  });
});

describe("compact", () => {
  test("purges member and build subjects whose last entry is an old tombstone, and all join markers but the last", async () => {
    const plane = await planes.open({ bucketPrefix: planes.prefix() });
    await plane.register([{ key: member("old", "1"), value: bytes("m") }]);
    await plane.append(member("old", "1"), bytes("bye"), { tombstone: true });
    await plane.register([{ key: member("live", "1"), value: bytes("m") }]);
    await plane.append({ kind: "decommission", nodeId: "old", incarnation: "1" }, bytes("d"));
    expect(await plane.compact(60_000)).toBe(0);
    // Older than 0 ms: once the server's clock is past the tombstone's time.
    const tombstone = (await plane.get(member("old", "1")))!;
    expect(tombstone.tombstone).toBe(true);
    await vi.waitFor(async () => expect(await plane.serverTime()).toBeGreaterThan(tombstone.at));
    expect(await plane.compact(0)).toBe(1);
    const kinds = (await plane.read("fleet")).entries.map(summary).map(([name]) => name);
    expect(kinds).toEqual(["member live@1", "decommission old@1"]);
    await using raw = await rawNats(server.url);
    const info = await raw.jsm.streams.info(plane.layout.fleetStream, { subjects_filter: plane.layout.joinSubject });
    expect(info.state.subjects).toEqual({ [plane.layout.joinSubject]: 1 });
    expect(textOf((await plane.history())[0]!.value)).toBe("d");
  });

  test("the stream refuses message deletes and rollups, whoever asks", async () => {
    const prefix = planes.prefix();
    const plane = await planes.open({ bucketPrefix: prefix });
    const revision = await plane.append(member("n", "1"), bytes("m"));
    await using raw = await rawNats(server.url);
    await expect(raw.jsm.streams.deleteMessage(plane.layout.fleetStream, revision)).rejects.toThrow();
    const rollup = headers();
    rollup.set("Nats-Rollup", "sub");
    await expect(raw.js.publish(`${prefix}.fleet.m.n.1`, "r", { headers: rollup })).rejects.toThrow();
    expect(textOf((await plane.get(member("n", "1")))!.value)).toBe("m");
  });
});

describe("consumers", () => {
  test("a read on a one-replica stream whose server is slow to answer asks for one consumer, not another every 500 ms", async () => {
    const prefix = planes.prefix();
    const plane = await planes.open({ bucketPrefix: prefix, timeoutMs: 30_000 });
    const stream = plane.layout.fleetStream;
    await using raw = await rawNats(server.url);
    const asked: string[] = [];
    for (const subject of [`$JS.API.CONSUMER.CREATE.${stream}`, `$JS.API.CONSUMER.CREATE.${stream}.>`, `${prefix}.fleet.r.s.l.after`]) {
      raw.connection.subscribe(subject, { callback: (_, message) => void asked.push(message.subject) });
    }
    await raw.connection.flush();
    await server.pause();
    const read = plane.read("records");
    // Frozen for longer than three hedging periods: a hedging read would have asked for three consumers or more by now.
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    await server.resume();
    await read;
    // Sent on the plane's connection after every creation the read asked for, so delivered after them.
    await plane.append({ kind: "level", capability: "after" }, bytes("x"));
    await vi.waitFor(() => expect(asked.at(-1)).toBe(`${prefix}.fleet.r.s.l.after`));
    expect(asked.filter((subject) => subject.startsWith("$JS.API.CONSUMER.CREATE."))).toHaveLength(1);
  });
});
