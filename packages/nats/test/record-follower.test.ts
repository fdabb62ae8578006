import { headers } from "@nats-io/transport-node";
import type { Snapshot, StoredEntry } from "@twostep/fleet/control-plane";
import { natsLayout } from "@twostep/nats";
import { type FollowerParts, NatsSession, RecordFollower } from "@twostep/nats/internal";
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
  /** `infos` as each read was asked. */
  readonly infosAtRead: number[];
  /** While set, a read answers (with what the leader held when asked) only once it resolves. */
  gate?: Promise<void> | undefined;
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
  const leader: Leader = { created: "2026-01-01T00:00:00Z", lastSeq: 10, subjects: new Map([[5, subject]]), reads: 0, infos: 0, walks: 0, infosAtRead: [] };
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
  const records = (): Snapshot => {
    const entries: StoredEntry[] = [...leader.subjects]
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
      const read = {
        snapshot: records(),
        behind: leader.lastSeq < atLeast,
        subjects: new Map(
          [...leader.subjects]
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
      return { created: leader.created, firstSeq: Math.min(...leader.subjects.keys()), lastSeq: leader.lastSeq, messages: leader.subjects.size };
    },
    subjectAt: async (seq) => leader.subjects.get(seq),
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
  const follower = await RecordFollower.start(parts, { onSnapshot: (snapshot) => snapshots.push(snapshot), onEntry }, 0);
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

  test("the last record held no longer at its sequence (a restored backup that grew since) makes it read everything again", async () => {
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

  test("with the defaults a quiet stream is still read again, by every hundredth backstop", async () => {
    const { snapshots } = await follow(10, 10);
    await vi.waitFor(() => expect(snapshots.length).toBeGreaterThanOrEqual(2), { timeout: 30_000 });
  });

  test("nothing stored or removed since the last check: the next asks the stream and the newest record, and walks nothing", async () => {
    const { leader, snapshots, layout } = await follow(10);
    await vi.waitFor(() => expect(leader.infos).toBeGreaterThanOrEqual(6), { timeout: 5_000 });
    // The first check walked the records from the snapshot's position; none since did.
    expect([leader.walks, snapshots.length]).toEqual([1, 1]);
    // A member stored (the last sequence raised): the next check walks again, finds no record missed.
    leader.subjects.set(11, `${layout.prefix}.fleet.m.n.1`);
    leader.lastSeq = 11;
    await vi.waitFor(() => expect(leader.walks).toBe(2), { timeout: 5_000 });
    const infos = leader.infos;
    await vi.waitFor(() => expect(leader.infos).toBeGreaterThanOrEqual(infos + 3), { timeout: 5_000 });
    expect([leader.walks, snapshots.length]).toEqual([2, 1]);
  });

  test("while the stream is as it was just before the last read, only every hundredth backstop reads again, not every tenth", async () => {
    // Scaled down: every second backstop reads again, every sixth while nothing was removed.
    const { leader } = await follow(10, 2, { quietResyncEvery: 6 });
    await vi.waitFor(() => expect(leader.reads).toBeGreaterThanOrEqual(2), { timeout: 5_000 });
    // Asked as the second read began: the start's question, six backstops', the read's own.
    expect(leader.infosAtRead[1]).toBeGreaterThanOrEqual(8);
  });

  test("members stored since the last read are no reason to read again; a message removed since is", async () => {
    const { leader, layout } = await follow(10, 2, { quietResyncEvery: 1_000_000 });
    leader.subjects.set(11, `${layout.prefix}.fleet.m.n.1`);
    leader.subjects.set(12, `${layout.prefix}.fleet.m.n.2`);
    leader.lastSeq = 12;
    // Four backstops after the members were stored (two of them every second one): no read.
    const infos = leader.infos;
    await vi.waitFor(() => expect(leader.infos).toBeGreaterThanOrEqual(infos + 5), { timeout: 5_000 });
    expect(leader.reads).toBe(1);
    // A member removed (the count of missing sequences higher): the next even backstop reads again.
    leader.subjects.delete(11);
    await vi.waitFor(() => expect(leader.reads).toBe(2), { timeout: 5_000 });
  });

  test("a record removed from a stream otherwise quiet (the count lower) is not left held: the next periodic read drops it", async () => {
    const { leader, snapshots, layout } = await follow(10, 2, { quietResyncEvery: 1_000_000 });
    leader.subjects.set(12, `${layout.prefix}.fleet.r.s.l.b`);
    leader.subjects.set(13, `${layout.prefix}.fleet.r.s.l.c`);
    leader.lastSeq = 13;
    await vi.waitFor(() => expect(snapshots.at(-1)?.entries.map((entry) => entry.revision)).toEqual([5, 12, 13]), { timeout: 5_000 });
    // Removed from the middle, not replaced (no tombstone; the first and last sequences as they were): only a read shows it gone.
    leader.subjects.delete(12);
    await vi.waitFor(() => expect(snapshots.at(-1)?.entries.map((entry) => entry.revision)).toEqual([5, 13]), { timeout: 5_000 });
  });
});
