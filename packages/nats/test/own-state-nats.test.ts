import type { StoredMsg } from "@nats-io/jetstream";
import { headers as natsHeaders } from "@nats-io/transport-node";
import { Coordinator, type FleetNode, FleetErrorCode, startNode } from "@twostep/fleet";
import { twostepRecordFormats } from "@twostep/fleet/internal";
import type { AppendOptions, ControlPlane, EntryKey } from "@twostep/fleet/control-plane";
import type { NatsControlPlane } from "@twostep/nats";
import { entrySubject, fleetStreamConfig } from "@twostep/nats/internal";
import { type NatsServer, startNatsServer } from "@twostep/testkit/nats-server";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { orderProtocol } from "./support/order-protocol.js";
import { Planes, textOf } from "./support/planes.js";
import { type RawNats, rawNats } from "./support/raw-nats.js";
import { heartbeatRecord } from "../../fleet/test/support/heartbeat-records.js";
import { HushedPlanes } from "../../fleet/test/support/hushed-planes.js";
import { codeOf, typedFailure } from "../../fleet/test/support/outcomes.js";

/**
 * twostep's own state on a real nats-server (issue 11 of the project):
 * records written by something other than this twostep, published raw under
 * the record's subject; a store that goes backwards, made so by deleting or
 * restoring the log's stream under running nodes; and the audit that is the
 * change's own message. `packages/fleet/test/own-state.test.ts` holds the
 * same items on the in-memory control plane; what does not depend on the
 * backend is in the control-plane contract.
 */

let server: NatsServer;
const planes = new Planes(() => server.url);
const nodes: FleetNode[] = [];
const raws: RawNats[] = [];
/** How nodes see the store: they may be kept from saying what they noticed. */
const quiet = new HushedPlanes();

beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server?.stop();
});
afterEach(async () => {
  quiet.clear();
  await Promise.allSettled(nodes.splice(0).map((node) => node.stop()));
  await Promise.allSettled(raws.splice(0).map((raw) => raw.connection.close()));
  await planes.closeAll();
});

const TYPE = "orders.OrderPlaced";
const WHO = { actor: "alice", reason: "test" } as const;
const utf8 = new TextEncoder();
/** Readiness waits: generous bounds on a hang, never on speed. */
const patiently = { timeout: 30_000, interval: 50 } as const;

/** A control plane under a fresh prefix, a release manager's connection (create: true) and its coordinator. */
async function controlPlane(): Promise<{ prefix: string; release: NatsControlPlane; coordinator: Coordinator; raw: RawNats }> {
  const prefix = planes.prefix();
  const release = await planes.open({ bucketPrefix: prefix });
  const raw = await rawNats(server.url);
  raws.push(raw);
  return { prefix, release, coordinator: new Coordinator(release), raw };
}

/**
 * Starts a node of a build that reads and writes v1..v`newest` on its own
 * connection (create: false), heartbeating only when the test says so (or
 * when it finds the store went backwards), with a lease that outlasts any
 * test, and a quick backstop resync. {@link quiet} may keep it from saying
 * what it noticed.
 */
async function node(prefix: string, nodeId: string, newest: number): Promise<FleetNode> {
  const plane = await planes.open({ bucketPrefix: prefix, create: false, resyncMs: 200 });
  const started = await startNode({
    controlPlane: quiet.plane(plane),
    protocol: orderProtocol(newest),
    nodeId,
    service: "orders",
    build: `b${newest}`,
    heartbeatMs: 1e9,
    leaseMs: 50_000,
  });
  nodes.push(started);
  return started;
}

/** The last sequence the log holds under `key`'s subject (0: none), as the stream's leader says. */
async function lastSequenceOf(raw: RawNats, release: NatsControlPlane, key: EntryKey): Promise<number> {
  const message = await raw.jsm.streams.getMessage(release.layout.fleetStream, { last_by_subj: entrySubject(release.layout, key) });
  return message?.seq ?? 0;
}

/** Every message the log holds under `key`'s subject, oldest first, read raw from the stream's leader. */
async function messagesOf(raw: RawNats, release: NatsControlPlane, key: EntryKey): Promise<StoredMsg[]> {
  const subject = entrySubject(release.layout, key);
  const found: StoredMsg[] = [];
  for (let seq = 1; ; ) {
    const message = await raw.jsm.streams.getMessage(release.layout.fleetStream, { seq, next_by_subj: subject } as { seq: number; next_by_subj: string });
    if (message === null) return found;
    found.push(message);
    seq = message.seq + 1;
  }
}

const levelKey: EntryKey = { kind: "level", capability: TYPE };

describe("11.1 on NATS: a record twostep cannot read is never taken as absent", () => {
  test("a field a newer twostep added, published raw: read and kept, so a v1-only build is refused while v2 is required and changes keep the field", async () => {
    const { prefix, release, coordinator, raw } = await controlPlane();
    const running = await node(prefix, "a", 2);
    await coordinator.enableWrite(TYPE, 1, WHO);
    await coordinator.enableWrite(TYPE, 2, WHO);
    const stored = await release.get(levelKey);
    if (stored === undefined) throw new Error("no record");
    const json = JSON.parse(textOf(stored.value)) as Record<string, unknown>;
    const ack = await raw.js.publish(entrySubject(release.layout, levelKey), utf8.encode(JSON.stringify({ ...json, addedLater: { keep: true } })), {
      expect: { lastSubjectSequence: stored.revision },
    });
    await vi.waitFor(() => expect(running.appliedRevision(TYPE)).toBe(ack.seq), patiently);
    expect(running.writeLevel(TYPE)).toBe(2);
    expect(running.status().unreadable).toEqual([]);
    expect(await codeOf(node(prefix, "old", 1))).toBe(FleetErrorCode.JoinRefused);
    const status = await coordinator.status(TYPE);
    expect([status.capabilities[0]?.record?.level, status.capabilities[0]?.revision, status.capabilities[0]?.problem]).toEqual([2, ack.seq, null]);
    expect(status.plane.unreadable).toEqual([]);
    await coordinator.disableWrite(TYPE, { ...WHO, to: 1 });
    const rewritten = await release.get(levelKey);
    expect(JSON.parse(textOf(rewritten?.value ?? new Uint8Array()))).toMatchObject({ level: 1, addedLater: { keep: true } });
    await vi.waitFor(() => expect(running.writeLevel(TYPE)).toBe(1), patiently);
  });

  for (const [what, bytes] of [
    ["garbage bytes", utf8.encode("\u0000not json")],
    ["an empty value", new Uint8Array()],
    ["a newer record format", utf8.encode(JSON.stringify({ format: 9, capability: TYPE, anything: true }))],
  ] as const) {
    test(`${what}, published raw: joins are refused, a running node keeps what it applied and reports it, changes are refused naming the key, status shows it`, async () => {
      const { prefix, release, coordinator, raw } = await controlPlane();
      const running = await node(prefix, "a", 2);
      await coordinator.enableWrite(TYPE, 1, WHO);
      await coordinator.enableWrite(TYPE, 2, WHO);
      await vi.waitFor(() => expect(running.writeLevel(TYPE)).toBe(2), patiently);
      const applied = running.appliedRevision(TYPE);
      const ack = await raw.js.publish(entrySubject(release.layout, levelKey), bytes, { expect: { lastSubjectSequence: applied } });
      await vi.waitFor(() => expect(running.status().unreadable.join()).toContain(TYPE), patiently);
      // The running node keeps v2, the record it applied, and says why.
      expect([running.writeLevel(TYPE), running.appliedRevision(TYPE), running.fenced]).toEqual([2, applied, false]);
      await running.heartbeat();
      const reported = (await coordinator.status()).members.find((member) => member.nodeId === "a");
      expect(reported?.applied[TYPE]).toBe(applied);
      // A v1-only build is not let in on a record it cannot read, nor is a v2 build.
      expect(await codeOf(node(prefix, "old", 1))).toBe(FleetErrorCode.JoinRefused);
      expect(await codeOf(node(prefix, "new", 2))).toBe(FleetErrorCode.JoinRefused);
      // Changes are refused, naming the key; nothing is written.
      for (const change of [coordinator.enableWrite(TYPE, 1, WHO), coordinator.disableWrite(TYPE, { ...WHO, to: 1 }), coordinator.enableWrite(TYPE, 2, WHO)]) {
        const error = await typedFailure(change);
        expect(error.code).toBe(FleetErrorCode.RecordUnreadable);
        expect(error.message).toContain(TYPE);
      }
      expect(await lastSequenceOf(raw, release, levelKey)).toBe(ack.seq);
      // Status shows the record as unreadable, not absent.
      const status = await coordinator.status(TYPE);
      expect(status.capabilities[0]).toMatchObject({ capability: TYPE, record: null, revision: ack.seq, problem: expect.any(String) });
      expect(status.plane.unreadable.join()).toContain(TYPE);
    });
  }
});

/** Every message of the log's stream, as a backup holds it: subject, bytes and headers, in order. */
/**
 * Node `a` (reads v1 and v2) running while v1 and then v2 are enabled, with a
 * copy of the log taken while v1 was the write level; `a` has heartbeated
 * since it applied v2.
 */
async function backedUpAtV1RunningV2(): Promise<{ prefix: string; release: NatsControlPlane; raw: RawNats; a: FleetNode; backup: StoredMsg[] }> {
  const { prefix, release, coordinator, raw } = await controlPlane();
  const a = await node(prefix, "a", 2);
  await coordinator.enableWrite(TYPE, 1, WHO);
  await vi.waitFor(() => expect(a.writeLevel(TYPE)).toBe(1), patiently);
  const backup = await backupOf(raw, release);
  await coordinator.enableWrite(TYPE, 2, WHO);
  await vi.waitFor(() => expect(a.writeLevel(TYPE)).toBe(2), patiently);
  await a.heartbeat();
  return { prefix, release, raw, a, backup };
}

async function backupOf(raw: RawNats, release: NatsControlPlane): Promise<StoredMsg[]> {
  const stream = release.layout.fleetStream;
  const last = (await raw.jsm.streams.info(stream)).state.last_seq;
  const messages: StoredMsg[] = [];
  for (let seq = 1; seq <= last; seq++) {
    const message = await raw.jsm.streams.getMessage(stream, { seq });
    if (message !== null) messages.push(message);
  }
  return messages;
}

/** Replaces the log's stream with one holding `backup` (as `nats stream restore` does): what was stored since is gone, sequences are handed out again. */
async function restore(raw: RawNats, release: NatsControlPlane, backup: readonly StoredMsg[]): Promise<void> {
  await raw.jsm.streams.delete(release.layout.fleetStream);
  await raw.jsm.streams.add(fleetStreamConfig(release.layout, 1));
  for (const message of backup) {
    const headers = natsHeaders();
    for (const [name, values] of message.header ?? []) for (const value of values) headers.append(name, value);
    const ack = await raw.js.publish(message.subject, message.data, { headers });
    expect(ack.seq).toBe(message.seq);
  }
}

describe("11.2 on NATS: a store that went backwards is noticed", () => {
  test("the streams deleted and recreated by a release manager's connection under a running node: it keeps v2 and says so, changes are refused until an audited reconcile", async () => {
    const { prefix, release, coordinator, raw } = await controlPlane();
    const a = await node(prefix, "a", 2);
    await coordinator.enableWrite(TYPE, 1, WHO);
    await coordinator.enableWrite(TYPE, 2, WHO);
    await vi.waitFor(() => expect(a.writeLevel(TYPE)).toBe(2), patiently);
    await a.heartbeat();
    const planeId = (await coordinator.status()).plane.id;

    // The store is lost: both streams go, and a release manager's connection makes them anew.
    await raw.jsm.streams.delete(release.layout.fleetStream);
    await raw.jsm.streams.delete(release.layout.beatsStream);
    const again = await planes.open({ bucketPrefix: prefix });
    const manager = new Coordinator(again);

    await vi.waitFor(() => expect(a.regressed).not.toBeNull(), patiently);
    await vi.waitFor(async () => {
      await a.heartbeat();
      expect((await manager.status()).plane.regressed.join()).toContain("a@");
    }, patiently);
    // It writes on once a heartbeat that says so is stored, with its node id marked.
    expect([a.writeLevel(TYPE), a.record(TYPE)?.everWritten]).toEqual([2, [1, 2]]);
    const refused = await typedFailure(manager.enableWrite(TYPE, 1, WHO));
    expect(refused.code).toBe(FleetErrorCode.StoreRegressed);
    expect(refused.message).toContain("reconcile");
    expect(await codeOf(manager.disableWrite(TYPE, WHO))).toBe(FleetErrorCode.StoreRegressed);
    expect(await codeOf(manager.init(WHO))).toBe(FleetErrorCode.StoreRegressed);
    expect(await lastSequenceOf(raw, again, levelKey)).toBe(0);

    const result = await manager.reconcile({ actor: "bob", reason: "store lost" });
    expect(result.records).toContain(TYPE);
    expect(result.evidence.length).toBeGreaterThan(0);
    const history = await manager.history({ capability: TYPE });
    expect(history.map((entry) => [entry.note.action, entry.note.actor])).toEqual([["reconcile", "bob"]]);
    expect(history[0]?.note.reason).toContain("evidence");
    await vi.waitFor(() => expect(a.regressed).toBeNull(), patiently);
    await a.heartbeat();
    const status = await manager.status(TYPE);
    expect(status.plane).toMatchObject({ id: planeId, epoch: 2, regressed: [] });
    expect(status.capabilities[0]?.record).toMatchObject({ level: 2, everWritten: [1, 2], epoch: 2 });
    expect(a.writeLevel(TYPE)).toBe(2);
    expect(await codeOf(node(prefix, "old", 1))).toBe(FleetErrorCode.JoinRefused);
    await manager.disableWrite(TYPE, WHO);
    await vi.waitFor(() => expect(a.writeLevel(TYPE)).toBe(1), patiently);
  });

  test("the log restored from an older copy under a running node: it keeps v2 and says so, changes are refused until an audited reconcile that keeps every level written", async () => {
    const { prefix, release, raw, a, backup } = await backedUpAtV1RunningV2();
    const applied = a.appliedRevision(TYPE);

    await restore(raw, release, backup);
    const manager = new Coordinator(await planes.open({ bucketPrefix: prefix }));

    await vi.waitFor(() => expect(a.regressed).not.toBeNull(), patiently);
    await vi.waitFor(async () => {
      await a.heartbeat();
      expect((await manager.status()).plane.regressed.join()).toContain("a@");
    }, patiently);
    expect([a.writeLevel(TYPE), a.appliedRevision(TYPE)]).toEqual([2, applied]);
    const before = await lastSequenceOf(raw, release, levelKey);
    expect(before).toBeLessThan(applied);
    expect(await codeOf(manager.enableWrite(TYPE, 2, WHO))).toBe(FleetErrorCode.StoreRegressed);
    expect(await codeOf(manager.disableWrite(TYPE, WHO))).toBe(FleetErrorCode.StoreRegressed);
    expect(await lastSequenceOf(raw, release, levelKey)).toBe(before);

    await manager.reconcile({ actor: "bob", reason: "restored from backup" });
    expect((await manager.history({ capability: TYPE })).map((entry) => [entry.note.action, entry.note.actor])).toEqual([
      ["intent", "alice"],
      ["enable-write", "alice"],
      ["reconcile", "bob"],
    ]);
    await vi.waitFor(() => expect(a.regressed).toBeNull(), patiently);
    await a.heartbeat();
    const status = await manager.status(TYPE);
    expect(status.plane.regressed).toEqual([]);
    expect(status.capabilities[0]?.record).toMatchObject({ level: 2, everWritten: [1, 2], epoch: 2 });
    expect(await codeOf(node(prefix, "old", 1))).toBe(FleetErrorCode.JoinRefused);
    await manager.disableWrite(TYPE, WHO);
    await vi.waitFor(() => expect(a.writeLevel(TYPE)).toBe(1), patiently);
  });

  test("a change right after the log is restored, before any node says so, is refused: a heartbeat reports a revision the log, asked for it, does not hold", async () => {
    const { prefix, release, raw, a, backup } = await backedUpAtV1RunningV2();
    const applied = a.appliedRevision(TYPE);
    // a notices at its next resync, but cannot say so.
    quiet.hush();
    await restore(raw, release, backup);
    const before = await lastSequenceOf(raw, release, levelKey);
    // A new coordinator, with no memory of the store: only a's last heartbeat, sent before the restore, shows the lost revision.
    const manager = new Coordinator(await planes.open({ bucketPrefix: prefix, create: false }));
    const refused = await typedFailure(manager.change(TYPE, { kind: "policy", drainWindowMs: 1_000 }, WHO));
    expect(refused.code).toBe(FleetErrorCode.StoreRegressed);
    expect(refused.message).toContain(`short of revision ${applied}, which a member reports having applied`);
    // Nothing was written: the lost revisions are not handed out again under a's record.
    expect(await lastSequenceOf(raw, release, levelKey)).toBe(before);
  });

  test("a build that does not read what running nodes write is refused at join while the store has gone backwards, until reconcile, though another node beat last", async () => {
    const { prefix, release, raw, a, backup } = await backedUpAtV1RunningV2();

    // Only the log is restored: the heartbeats stream keeps what running nodes report.
    await restore(raw, release, backup);
    await vi.waitFor(() => expect(a.regressed).not.toBeNull(), patiently);
    await a.heartbeat();
    expect(a.writeLevel(TYPE)).toBe(2);
    const restored = await raw.jsm.streams.getMessage(release.layout.fleetStream, { last_by_subj: entrySubject(release.layout, levelKey) });
    expect((JSON.parse(textOf(restored?.data ?? new Uint8Array())) as { level: number }).level).toBe(1);

    // Another node beats after a, with nothing to report: a joining node reads a's heartbeat all the same, its node id being marked.
    const ghost = { nodeId: "ghost", incarnation: "0123456789abcdef" };
    const clean = heartbeatRecord(ghost.nodeId, { incarnation: ghost.incarnation, leaseMs: 50_000 });
    await release.beat(ghost, twostepRecordFormats.encode("heartbeat", clean, 1), { expect: 0 });
    expect((await release.lastBeat())?.key).toEqual(ghost);
    expect(await release.regressionMarks()).toEqual(["a"]);
    expect((await release.beatsOf("a")).map((beat) => beat.key.incarnation)).toEqual([a.incarnation]);

    // A node's own credentials see it: the restored record requires only v1, and a writes v2.
    const refused = await typedFailure(node(prefix, "old", 1));
    expect(refused.code).toBe(FleetErrorCode.StoreRegressed);
    expect(refused.message).toContain("went backwards");
    expect(refused.message).toContain("twostep reconcile");
    expect(refused.message).toContain("a@");
    expect(await codeOf(node(prefix, "new", 2))).toBe(FleetErrorCode.StoreRegressed);

    const manager = new Coordinator(await planes.open({ bucketPrefix: prefix }));
    await manager.reconcile({ actor: "bob", reason: "restored from backup" });
    await vi.waitFor(() => expect(a.regressed).toBeNull(), patiently);
    await a.heartbeat();
    expect(await codeOf(node(prefix, "old", 1))).toBe(FleetErrorCode.JoinRefused);
    const b = await node(prefix, "b", 2);
    expect(b.writeLevel(TYPE)).toBe(2);
  });
});

/** A coordinator's connection that dies right after a change is committed (any write of a record that is not an intent): no step after it runs. */
function diesAfterCommit(inner: NatsControlPlane): ControlPlane {
  return new Proxy(inner, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (property !== "append") return typeof value === "function" ? value.bind(target) : value;
      return async (key: EntryKey, bytes: Uint8Array, options?: AppendOptions) => {
        const revision = await target.append(key, bytes, options);
        if (key.kind === "level" && !textOf(bytes).includes('"action":"intent"')) {
          await target.close();
          throw new Error("the coordinator died right after its commit");
        }
        return revision;
      };
    },
  });
}

describe("11.4 on NATS: the audit is written with the change", () => {
  test("each change is audited exactly once, by the very message that commits it, even when its coordinator dies right after the commit", async () => {
    const { prefix, release, raw } = await controlPlane();
    await node(prefix, "a", 2);
    const changes: [string, (coordinator: Coordinator) => Promise<unknown>][] = [
      ["enable v1", (coordinator) => coordinator.enableWrite(TYPE, 1, WHO)],
      ["enable v2", (coordinator) => coordinator.enableWrite(TYPE, 2, { actor: "bob", reason: "v2 everywhere" })],
      ["roll back", (coordinator) => coordinator.disableWrite(TYPE, { actor: "carol", reason: "rollback" })],
    ];
    for (const [what, change] of changes) {
      const dying = new Coordinator(diesAfterCommit(await planes.open({ bucketPrefix: prefix })));
      await expect(change(dying), what).rejects.toThrow("died right after its commit");
    }
    const history = await new Coordinator(release).history({ capability: TYPE });
    expect(history.map((entry) => [entry.note.action, entry.note.actor, entry.after?.level ?? null])).toEqual([
      ["intent", "alice", null],
      ["enable-write", "alice", 1],
      ["intent", "bob", 1],
      ["enable-write", "bob", 2],
      ["disable-write", "carol", 1],
    ]);
    // One message per entry, each the record and its note together.
    const stored = await messagesOf(raw, release, levelKey);
    expect(stored.map((message) => message.seq)).toEqual(history.map((entry) => entry.revision));
    for (const [index, message] of stored.entries()) {
      const note = (JSON.parse(textOf(message.data)) as { change: { id: string; action: string } }).change;
      expect([note.id, note.action]).toEqual([history[index]?.note.id, history[index]?.note.action]);
    }
    expect(new Set(history.map((entry) => entry.note.id)).size).toBe(history.length);
  });

  test("an actor or reason too long is refused on NATS before anything changes: no message is stored", async () => {
    const { prefix, release, coordinator, raw } = await controlPlane();
    await node(prefix, "a", 2);
    await coordinator.enableWrite(TYPE, 1, WHO);
    const revision = await lastSequenceOf(raw, release, levelKey);
    const last = (await raw.jsm.streams.info(release.layout.fleetStream)).state.last_seq;
    for (const author of [
      { actor: "x".repeat(120_000), reason: "" },
      { actor: "alice", reason: "y".repeat(120_000) },
    ]) {
      expect(await codeOf(coordinator.enableWrite(TYPE, 2, author))).toBe(FleetErrorCode.InvalidRequest);
      expect(await codeOf(coordinator.disableWrite(TYPE, author))).toBe(FleetErrorCode.InvalidRequest);
      expect(await codeOf(coordinator.reconcile(author))).toBe(FleetErrorCode.InvalidRequest);
    }
    expect(await lastSequenceOf(raw, release, levelKey)).toBe(revision);
    expect((await raw.jsm.streams.info(release.layout.fleetStream)).state.last_seq).toBe(last);
  });
});

describe("on NATS: a decommissioned node that comes back after its heartbeat expired", () => {
  test("the heartbeat stream's max age removes its heartbeat's tombstone, yet its member tombstone, and after compaction its decommission record, fence it for good", async () => {
    const prefix = planes.prefix();
    const release = await planes.open({ bucketPrefix: prefix, beatTtlMs: 1_000 });
    const coordinator = new Coordinator(release, { clockMarginMs: 0 });
    // The nodes' own clock, moved by hand: their lease runs out when the test says so, not with the machine's load.
    let nodeNow = 0;
    /** A node that heartbeats only when told, with a lease short enough (by the server's clock) to be decommissioned soon. */
    const start = async (nodeId: string): Promise<FleetNode> => {
      const plane = await planes.open({ bucketPrefix: prefix, create: false });
      const started = await startNode({
        controlPlane: plane,
        protocol: orderProtocol(1),
        nodeId,
        service: "orders",
        build: "b1",
        heartbeatMs: 1e9,
        leaseMs: 100,
        clock: () => nodeNow,
      });
      nodes.push(started);
      return started;
    };
    const first = await start("gone-1");
    const second = await start("gone-2");
    await coordinator.enableWrite(TYPE, 1, WHO);
    await vi.waitFor(() => expect([first.writeLevel(TYPE), second.writeLevel(TYPE)]).toEqual([1, 1]), patiently);
    // Cut off from here on: they send no heartbeat until the test says so, and their lease runs out.
    nodeNow += 1_000;
    expect([first.fenced, second.fenced]).toEqual([true, true]);
    // Refused while their lease may run, by the server's clock; then it goes through.
    await vi.waitFor(() => coordinator.decommission("gone-1", WHO), patiently);
    await vi.waitFor(() => coordinator.decommission("gone-2", WHO), patiently);
    // Until the server removes them, a node would find its heartbeat's tombstone: wait for both to go.
    await vi.waitFor(async () => {
      expect(await release.readBeat(first)).toBeUndefined();
      expect(await release.readBeat(second)).toBeUndefined();
    }, patiently);

    const expectFencedForGood = async (node: FleetNode): Promise<void> => {
      for (let beat = 0; beat < 2; beat++) {
        await node.heartbeat();
        expect(node.fence?.why).toMatch(/decommissioned by alice/);
        expect(await codeOf(Promise.resolve().then(() => node.writeLevel(TYPE)))).toBe(FleetErrorCode.Fenced);
        expect(await release.readBeat(node)).toBeUndefined();
      }
    };
    await expectFencedForGood(first);
    expect((await release.get({ kind: "member", nodeId: first.nodeId, incarnation: first.incarnation }))?.tombstone).toBe(true);

    expect(await release.compact(0)).toBeGreaterThanOrEqual(2);
    const secondMember = { kind: "member", nodeId: second.nodeId, incarnation: second.incarnation } as const;
    expect(await release.get(secondMember)).toBeUndefined();
    await expectFencedForGood(second);
    expect(await release.get(secondMember)).toBeUndefined();
    expect((await coordinator.status()).memberCount).toBe(0);
  });
});
