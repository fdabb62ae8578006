import { headers } from "@nats-io/transport-node";
import type { Snapshot, StoredEntry } from "@twostep/fleet/control-plane";
import { natsLayout } from "@twostep/nats";
import { type FollowerParts, type FollowSeed, NatsSession, RecordFollower } from "@twostep/nats/internal";
import { type NatsServer, startNatsServer } from "@twostep/testkit/nats-server";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { type RawNats, rawNats } from "./support/raw-nats.js";

// The backstop check of a follower, against a leader whose answers the test
// decides: a real connection carries the republished records, the stream's
// leader is played here.

let server: NatsServer;
let raw: RawNats;
beforeAll(async () => {
  server = await startNatsServer();
  raw = await rawNats(server.url);
});
afterAll(async () => {
  await raw?.connection.close();
  await server?.stop();
});

const followers: RecordFollower[] = [];
afterEach(async () => {
  await Promise.all(followers.splice(0).map((follower) => follower.stop()));
});

/** What the played leader holds: a stream with records at given sequences, among other messages. */
interface Leader {
  created: string;
  lastSeq: number;
  /** Subject of each stored message, by sequence. */
  readonly subjects: Map<number, string>;
  /** Reads of the records asked for so far. */
  reads: number;
  /** Questions asked so far: the stream's state, and the first record from a sequence (a check's walk). */
  infos: number;
  walks: number;
  /** Questions whether a sequence still holds a subject. */
  gets: number;
  /** `infos` as each read was asked. */
  readonly infosAtRead: number[];
  /** While set, a read answers (with what the leader held when asked) only once it resolves. */
  gate?: Promise<void> | undefined;
  /** While set, the next read is served by a replica that holds this (it has not applied the latest operations yet). */
  lagging?: Map<number, string> | undefined;
}

let prefixes = 0;

/**
 * A follower of a played leader holding `a` at 5 (the last message at 10),
 * checking every `resyncMs`, and reading everything again every
 * `fullResyncEvery` checks (by default never, within a test).
 */
async function follow(
  resyncMs: number,
  fullResyncEvery = 1_000_000,
  more: Partial<FollowerParts> = {},
  seed?: (layout: ReturnType<typeof natsLayout>, leader: Leader) => FollowSeed,
): Promise<{
  follower: RecordFollower;
  leader: Leader;
  snapshots: Snapshot[];
  entries: StoredEntry[];
  /** Called (and dropped) as each entry is delivered. */
  delivered: (() => void)[];
  layout: ReturnType<typeof natsLayout>;
}> {
  const layout = natsLayout(`rf${++prefixes}x${process.pid % 1000}`);
  const subject = `${layout.prefix}.fleet.r.s.l.a`;
  const leader: Leader = {
    created: "2026-01-01T00:00:00Z",
    lastSeq: 10,
    subjects: new Map([[5, subject]]),
    reads: 0,
    infos: 0,
    walks: 0,
    gets: 0,
    infosAtRead: [],
  };
  const session = new NatsSession({
    connection: raw.connection,
    js: raw.js,
    jsm: raw.jsm,
    layout,
    servers: server.url,
    timeoutMs: 2_000,
    logger: pino({ level: "silent" }),
    onMalformed: undefined,
  });
  const records = (held: Map<number, string>): Snapshot => {
    const entries: StoredEntry[] = [...held]
      .filter(([, stored]) => stored.startsWith(`${layout.prefix}.fleet.r.s.l.`))
      .map(([seq, stored]) => ({
        key: { kind: "level", capability: stored.slice(stored.lastIndexOf(".") + 1) },
        value: new Uint8Array(0),
        tombstone: false,
        revision: seq,
        at: 0,
      }));
    return { entries, position: leader.lastSeq };
  };
  const parts: FollowerParts = {
    session,
    readRecords: async (atLeast) => {
      leader.reads++;
      leader.infosAtRead.push(leader.infos);
      const held = leader.lagging ?? leader.subjects;
      leader.lagging = undefined;
      const read = {
        snapshot: records(held),
        behind: leader.lastSeq < atLeast,
        subjects: new Map(
          [...held]
            .filter(([, stored]) => stored.startsWith(`${layout.prefix}.fleet.r.`))
            .sort(([a], [b]) => a - b)
            .map(([seq, stored]): [string, number] => [stored, seq]),
        ),
      };
      await leader.gate;
      return read;
    },
    streamState: async () => {
      leader.infos++;
      return { created: leader.created, lastSeq: leader.lastSeq, messages: leader.subjects.size };
    },
    subjectAt: async (seq) => {
      leader.gets++;
      return leader.subjects.get(seq);
    },
    recordFrom: async (seq) => {
      leader.walks++;
      const found = [...leader.subjects].filter(([at, stored]) => at >= seq && stored.startsWith(`${layout.prefix}.fleet.r.s.`)).sort(([a], [b]) => a - b)[0];
      return found === undefined ? undefined : { subject: found[1], seq: found[0] };
    },
    entryOf: (message) => ({ key: { kind: "level", capability: "a" }, value: message.data, tombstone: false, revision: message.seq, at: message.at }),
    resyncMs,
    onStop: () => {},
    fullResyncEvery,
    ...more,
  };
  const snapshots: Snapshot[] = [];
  const entries: StoredEntry[] = [];
  const delivered: (() => void)[] = [];
  const onEntry = (entry: StoredEntry) => {
    entries.push(entry);
    delivered.shift()?.();
  };
  const follower = await RecordFollower.start(parts, { onSnapshot: (snapshot) => snapshots.push(snapshot), onEntry }, 0, seed?.(layout, leader));
  followers.push(follower);
  return { follower, leader, snapshots, entries, delivered, layout };
}

/** Publishes on the follow subjects what the stream would republish for a record of `a` at `seq`, after `previous`. */
function republish(layout: ReturnType<typeof natsLayout>, seq: number, previous: number): void {
  const stamped = headers();
  stamped.set("Nats-Stream", layout.fleetStream);
  stamped.set("Nats-Subject", `${layout.prefix}.fleet.r.s.l.a`);
  stamped.set("Nats-Sequence", String(seq));
  stamped.set("Nats-Last-Sequence", String(previous));
  raw.connection.publish(`${layout.prefix}.follow.l.a`, "a", { headers: stamped });
}

/** The revisions of the records in the last snapshot a follower was given. */
const lastRevisions = (snapshots: readonly Snapshot[]): number[] | undefined => snapshots.at(-1)?.entries.map((entry) => entry.revision);

/**
 * A follower checking every 10 ms, reading again every second check unless
 * nothing was removed (never on the quiet schedule within a test), once it
 * holds a at 5, b at 7 and c at 12.
 */
async function followThree(): Promise<Awaited<ReturnType<typeof follow>>> {
  const followed = await follow(10, 2, { quietResyncEvery: 1_000_000 });
  const { leader, snapshots, layout } = followed;
  leader.subjects.set(7, `${layout.prefix}.fleet.r.s.l.b`);
  leader.subjects.set(12, `${layout.prefix}.fleet.r.s.l.c`);
  leader.lastSeq = 12;
  await vi.waitFor(() => expect(lastRevisions(snapshots)).toEqual([5, 7, 12]), { timeout: 5_000 });
  return followed;
}

/** Long enough for several checks at 20 ms. */
const severalChecks = () => new Promise((resolve) => setTimeout(resolve, 120));

describe("a follower's resync", () => {
  test("more records republished during it than it keeps: it reads everything again once it ends, and holds the last record", async () => {
    // Checks only every hour: nothing but the resync itself can find the record it dropped.
    const { follower, leader, snapshots, entries, layout } = await follow(3_600_000, 1_000_000, { maxBuffered: 2 });
    let open: () => void = () => {};
    leader.gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    follower.resync("asked by the test");
    await vi.waitFor(() => expect(leader.reads).toBe(2));
    // Stored after what the resync under way reads, as it reads; the third one finds the buffer full.
    for (const [seq, previous] of [
      [12, 5],
      [13, 12],
      [14, 13],
    ] as const) {
      leader.subjects.set(seq, `${layout.prefix}.fleet.r.s.l.a`);
      leader.lastSeq = seq;
      republish(layout, seq, previous);
    }
    // Sent before the flush's answer, so taken by the follower before it.
    await raw.connection.flush();
    leader.gate = undefined;
    open();
    // (The played leader's snapshot holds every record of `a`, not only its last.)
    await vi.waitFor(() => expect(snapshots.at(-1)?.entries.map((entry) => entry.revision)).toContain(14));
    expect(snapshots).toHaveLength(3);
    expect(snapshots[1]?.position).toBe(10);
    expect(entries.map((entry) => entry.revision)).toEqual([12, 13]);
  });
});

describe("a follower's backstop check", () => {
  test("finds nothing missed: no snapshot is read again", async () => {
    const { snapshots } = await follow(20);
    await severalChecks();
    expect(snapshots).toHaveLength(1);
  });

  test("records delivered as republished, and stored since, are nothing missed", async () => {
    const { leader, snapshots, entries, layout, delivered } = await follow(20);
    // The leader shows the record (and a member stored after it) as the follower gets it: a check that ran
    // between its storing and its delivery would rightly read everything again.
    delivered.push(() => {
      leader.subjects.set(12, `${layout.prefix}.fleet.r.s.l.a`);
      leader.subjects.set(13, `${layout.prefix}.fleet.m.n.1`);
      leader.lastSeq = 13;
    });
    republish(layout, 12, 5);
    await vi.waitFor(() => expect(entries.map((entry) => entry.revision)).toEqual([12]));
    await severalChecks();
    expect(snapshots).toHaveLength(1);
  });

  test("a record stored but never republished (a leader that crashed in between) makes it read everything again", async () => {
    const { leader, snapshots, layout } = await follow(20);
    leader.subjects.set(12, `${layout.prefix}.fleet.r.s.l.b`);
    leader.lastSeq = 12;
    await vi.waitFor(() => expect(snapshots).toHaveLength(2));
    expect(snapshots[1]?.entries.map((entry) => entry.revision)).toEqual([5, 12]);
  });

  test("a recreated stream makes it read everything again", async () => {
    const { leader, snapshots } = await follow(20);
    leader.created = "2026-02-01T00:00:00Z";
    await vi.waitFor(() => expect(snapshots).toHaveLength(2));
  });

  test("a stream whose last sequence is below what the follower holds (it went backwards) makes it read everything again", async () => {
    const { leader, snapshots } = await follow(20);
    leader.lastSeq = 9;
    await vi.waitFor(() => expect(snapshots).toHaveLength(2));
    expect(snapshots[1]?.position).toBe(9);
    // Shown the store as it is, it checks from there on.
    await severalChecks();
    expect(snapshots).toHaveLength(2);
  });

  test("the last record held no longer at its sequence (a restored backup that grew since) makes it read everything again within ten checks", async () => {
    const { leader, snapshots, layout } = await follow(20);
    leader.subjects.set(5, `${layout.prefix}.fleet.m.n.1`);
    await vi.waitFor(() => expect(snapshots).toHaveLength(2));
  });

  test("a check that fails (the leader does not answer) makes it read everything again", async () => {
    const followed = await follow(20);
    const original = followed.leader.subjects.get.bind(followed.leader.subjects);
    let failing = true;
    followed.leader.subjects.get = (seq: number) => {
      if (failing) {
        failing = false;
        throw new Error("no answer");
      }
      return original(seq);
    };
    await vi.waitFor(() => expect(followed.snapshots).toHaveLength(2));
  });

  test("with the defaults a quiet stream is read again by every hundredth backstop, once two reads in a row found nothing removed", async () => {
    const { leader } = await follow(10, 10);
    await vi.waitFor(() => expect(leader.reads).toBeGreaterThanOrEqual(3), { timeout: 30_000 });
    // The start's read, the tenth backstop's (the first read does not earn the quiet mode), then the hundredth's: asked
    // as it began, the start's question, a hundred backstops' and two reads' own.
    expect(leader.infosAtRead[1]).toBeLessThanOrEqual(1 + 10 + 1);
    expect(leader.infosAtRead[2]).toBeGreaterThanOrEqual(1 + 100 + 2);
  });

  test("while nothing is stored or removed, a check asks only the stream's state, and about the newest record every tenth time", async () => {
    const { leader, snapshots } = await follow(10);
    await vi.waitFor(() => expect(leader.infos).toBeGreaterThanOrEqual(31), { timeout: 10_000 });
    const checks = leader.infos - 1;
    expect(leader.gets).toBeGreaterThanOrEqual(Math.floor(checks / 10));
    expect(leader.gets).toBeLessThanOrEqual(Math.ceil(checks / 10) + 1);
    expect(snapshots).toHaveLength(1);
  });

  test("nothing stored since the snapshot or the last check: a check walks nothing", async () => {
    const { leader, snapshots, layout } = await follow(10);
    await vi.waitFor(() => expect(leader.infos).toBeGreaterThanOrEqual(6), { timeout: 5_000 });
    expect([leader.walks, snapshots.length]).toEqual([0, 1]);
    // A member stored (the last sequence raised): the next check walks, finds no record missed, and none after it walks.
    leader.subjects.set(11, `${layout.prefix}.fleet.m.n.1`);
    leader.lastSeq = 11;
    await vi.waitFor(() => expect(leader.walks).toBe(1), { timeout: 5_000 });
    const infos = leader.infos;
    await vi.waitFor(() => expect(leader.infos).toBeGreaterThanOrEqual(infos + 3), { timeout: 5_000 });
    expect([leader.walks, snapshots.length]).toEqual([1, 1]);
  });

  test("while nothing is removed, only every hundredth backstop reads again, not every tenth", async () => {
    // Scaled down: every second backstop reads again, every sixth while nothing was removed.
    const { leader } = await follow(10, 2, { quietResyncEvery: 6 });
    await vi.waitFor(() => expect(leader.reads).toBeGreaterThanOrEqual(3), { timeout: 5_000 });
    // Asked as each read began: the second at the second backstop, the third at the sixth.
    expect(leader.infosAtRead[1]).toBeLessThanOrEqual(1 + 2 + 1);
    expect(leader.infosAtRead[2]).toBeGreaterThanOrEqual(1 + 6 + 2);
  });

  test("members stored since the last reads are no reason to read again; a message removed since is", async () => {
    const { leader, layout } = await follow(10, 2, { quietResyncEvery: 1_000_000 });
    await vi.waitFor(() => expect(leader.reads).toBe(2), { timeout: 5_000 });
    leader.subjects.set(11, `${layout.prefix}.fleet.m.n.1`);
    leader.subjects.set(12, `${layout.prefix}.fleet.m.n.2`);
    leader.lastSeq = 12;
    // Five backstops after the members were stored (two of them even): no read.
    const infos = leader.infos;
    await vi.waitFor(() => expect(leader.infos).toBeGreaterThanOrEqual(infos + 5), { timeout: 5_000 });
    expect(leader.reads).toBe(2);
    // A member removed (the count of missing sequences higher): the next even backstop reads again.
    leader.subjects.delete(11);
    await vi.waitFor(() => expect(leader.reads).toBeGreaterThan(2), { timeout: 5_000 });
  });

  test("a read served by a replica that has not applied a removal the state before it showed is read again by a later tenth backstop", async () => {
    const { leader, snapshots } = await followThree();
    // b is purged; the leader has applied it, one replica not yet, and the next read's consumer runs there.
    leader.lagging = new Map(leader.subjects);
    leader.subjects.delete(7);
    const count = snapshots.length;
    await vi.waitFor(() => expect(snapshots.length).toBeGreaterThan(count), { timeout: 5_000 });
    expect(snapshots[count]?.entries.map((entry) => entry.revision)).toEqual([5, 7, 12]);
    // The replica has caught up: a later tenth backstop reads again and drops b.
    await vi.waitFor(() => expect(lastRevisions(snapshots)).toEqual([5, 12]), { timeout: 5_000 });
  });

  test("a record removed while a read runs is dropped by a later tenth backstop", async () => {
    const { follower, leader, snapshots } = await followThree();
    // The next read has taken b when b is purged (a thenable: it runs when the read awaits the gate).
    leader.gate = {
      // biome-ignore lint/suspicious/noThenProperty: awaited by the played read
      then: (resolve: () => void) => {
        leader.subjects.delete(7);
        leader.gate = undefined;
        resolve();
      },
    } as unknown as Promise<void>;
    follower.resync("asked by the test");
    await vi.waitFor(() => expect(lastRevisions(snapshots)).toEqual([5, 12]), { timeout: 5_000 });
  });

  test("a snapshot read by register before a removal is dropped by the first tenth backstop", async () => {
    const level = (seq: number, name: string): StoredEntry => ({
      key: { kind: "level", capability: name },
      value: new Uint8Array(0),
      tombstone: false,
      revision: seq,
      at: 0,
    });
    const { snapshots } = await follow(10, 2, { quietResyncEvery: 1_000_000 }, (layout, leader) => {
      // register read a at 5, b at 7 and c at 12; b was purged before the follower asked the stream's state.
      leader.subjects.set(12, `${layout.prefix}.fleet.r.s.l.c`);
      leader.lastSeq = 12;
      return {
        snapshot: { entries: [level(5, "a"), level(7, "b"), level(12, "c")], position: 12 },
        subjects: new Map([
          [`${layout.prefix}.fleet.r.s.l.a`, 5],
          [`${layout.prefix}.fleet.r.s.l.b`, 7],
          [`${layout.prefix}.fleet.r.s.l.c`, 12],
        ]),
      };
    });
    expect(snapshots[0]?.entries.map((entry) => entry.revision)).toEqual([5, 7, 12]);
    await vi.waitFor(() => expect(lastRevisions(snapshots)).toEqual([5, 12]), { timeout: 5_000 });
  });

  test("a record removed from a stream otherwise quiet (the count lower) is not left held: the next periodic read drops it", async () => {
    const { leader, snapshots } = await followThree();
    // Removed from the middle, not replaced (no tombstone; the first and last sequences as they were): only a read shows it gone.
    leader.subjects.delete(7);
    await vi.waitFor(() => expect(lastRevisions(snapshots)).toEqual([5, 12]), { timeout: 5_000 });
  });
});
