import {
  type ControlPlane,
  type Coordinator,
  FleetErrorCode,
  type FleetNode,
  type MemoryBackup,
  MemoryControlPlane,
  type NodeOptions,
  PermissionDeniedError,
  RECORD_FORMAT_CAPABILITY,
} from "@twostep/fleet";
import { pino } from "pino";
import { type RecordFormat, RecordProblem, recordFormat1, type TwostepRecords, twostepRecordFormats, type WriteLevelRecord } from "@twostep/fleet/internal";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { FleetHarness, TYPE, WHO } from "./support/fleet-harness.js";
import { heartbeatRecord } from "./support/heartbeat-records.js";
import { FollowGate, hookedControlPlane } from "./support/hooked-control-plane.js";
import { HushedPlanes } from "./support/hushed-planes.js";
import { codeOf, typedFailure } from "./support/outcomes.js";

/**
 * twostep's own state (issue 11 of the project): records that carry their
 * format and fail closed, a store that goes backwards and is noticed, the
 * audit written with the change, and twostep upgrading its own record
 * format read first.
 */

let fleet: FleetHarness;

beforeEach(() => {
  fleet = new FleetHarness();
  quiet.clear();
});

/** How nodes started on {@link hushable} planes see the store: they may be kept from saying what they noticed. */
const quiet = new HushedPlanes();

/** `plane` as a node that {@link quiet} may hush sees it. */
function hushable(plane: ControlPlane = fleet.plane): ControlPlane {
  return quiet.plane(plane);
}

afterEach(() => fleet.close());

const utf8 = new TextEncoder();

/** Every order of `items`. */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, index) => permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]));
}
const levelKey = { kind: "level", capability: TYPE } as const;

/** Entries that reach a node while `lagging` are lost to it, as a follower's are when it falls behind: a resync brings them. */
class LossyGate extends FollowGate {
  lagging = false;

  override pass(deliver: () => void): void {
    if (!this.lagging) deliver();
  }
}

/** A coordinator whose reconcile stops half-way: its records are stored, its identity record is not (the connection is lost). */
function coordinatorLosingIdentity(): Coordinator {
  return fleet.coordinatorOn(
    hookedControlPlane(fleet.plane, {
      beforeAppend: (key) => {
        if (key.kind === "meta") throw new Error("connection lost");
      },
    }),
  );
}

/** Restores only the log of `backup`, as docs/nats.md advises: the heartbeats and marks are kept. */
function restoreLog(backup: MemoryBackup): void {
  const kept = fleet.plane.backup();
  fleet.plane.restore({ ...backup, beats: kept.beats, marks: kept.marks });
}

async function storedRecord(): Promise<{ json: Record<string, unknown>; revision: number }> {
  const entry = await fleet.plane.get(levelKey);
  if (entry === undefined) throw new Error("no record");
  return { json: JSON.parse(new TextDecoder().decode(entry.value)) as Record<string, unknown>, revision: entry.revision };
}

/**
 * Node `a` (build b2-new) writing v2, after the store was restored to a copy
 * taken while v1 was the write level (it heartbeated before the restore).
 * It noticed, and says so at once; `quiet`: its heartbeats cannot reach the
 * control plane from the restore on, until {@link quiet} is cleared.
 */
async function restoredUnderV2Writer(options: Partial<NodeOptions> & { readonly quiet?: boolean } = {}): Promise<FleetNode> {
  const { quiet: silent, ...nodeOptions } = options;
  const { a, backup } = await underV2Writer(nodeOptions);
  if (silent === true) quiet.hush();
  fleet.plane.restore(backup);
  await fleet.settle();
  return a;
}

describe("11.1 a record twostep cannot read is never taken as absent", () => {
  test("a field a newer twostep added is read, kept when the record is written again, and changes nothing", async () => {
    await fleet.node("a", "b2-new");
    await fleet.coordinator.enableWrite(TYPE, 1, WHO);
    const { json, revision } = await storedRecord();
    await fleet.plane.append(levelKey, utf8.encode(JSON.stringify({ ...json, addedLater: { keep: true } })), { expect: revision });
    await fleet.settle();
    expect((await fleet.coordinator.status(TYPE)).capabilities[0]?.record?.level).toBe(1);
    await fleet.coordinator.enableWrite(TYPE, 2, WHO);
    expect((await storedRecord()).json["addedLater"]).toEqual({ keep: true });
  });

  for (const [what, bytes] of [
    ["garbage", utf8.encode("\u0000not json")],
    ["an empty value", new Uint8Array()],
    ["wrong types", utf8.encode(JSON.stringify({ format: 1, capability: TYPE, level: "two" }))],
    ["a newer record format", utf8.encode(JSON.stringify({ format: 9, capability: TYPE, anything: true }))],
  ] as const) {
    test(`${what}: a node that would need it is refused, a running node keeps what it applied and reports it, changes are refused, status shows it`, async () => {
      const running = await fleet.node("a", "b2-new");
      await fleet.coordinator.enableWrite(TYPE, 2, WHO);
      await fleet.settle();
      const { revision } = await storedRecord();
      await fleet.plane.append(levelKey, bytes, { expect: revision });
      await fleet.settle();
      expect(await codeOf(fleet.node("old", "b1-old"))).toBe(FleetErrorCode.JoinRefused);
      expect(await codeOf(fleet.node("new", "b2-new"))).toBe(FleetErrorCode.JoinRefused);
      expect(running.writeLevel(TYPE)).toBe(2);
      await running.heartbeat();
      const beat = (await fleet.coordinator.status()).members.find((member) => member.nodeId === "a");
      expect(beat?.applied[TYPE]).toBe(revision);
      expect(await codeOf(fleet.coordinator.disableWrite(TYPE, { ...WHO, to: 1 }))).toBe(FleetErrorCode.RecordUnreadable);
      expect(await codeOf(fleet.coordinator.enableWrite(TYPE, 1, WHO))).toBe(FleetErrorCode.RecordUnreadable);
      const status = await fleet.coordinator.status(TYPE);
      expect(status.capabilities[0]?.problem).not.toBeNull();
      expect(status.plane.unreadable.join()).toContain(TYPE);
    });
  }

  test("a damaged record is rebuilt from its history by reconcile, recorded, and writers go on", async () => {
    const running = await fleet.node("a", "b2-new");
    await fleet.coordinator.enableWrite(TYPE, 1, WHO);
    await fleet.coordinator.enableWrite(TYPE, 2, WHO);
    const { revision } = await storedRecord();
    await fleet.plane.append(levelKey, utf8.encode("{broken"), { expect: revision });
    const result = await fleet.coordinator.reconcile(WHO);
    expect(result.records).toContain(TYPE);
    await fleet.settle();
    const record = (await fleet.coordinator.status(TYPE)).capabilities[0]?.record;
    expect(record).toMatchObject({ level: 2, everWritten: [1, 2] });
    expect(running.writeLevel(TYPE)).toBe(2);
    expect((await fleet.coordinator.history({ capability: TYPE })).at(-1)?.note.action).toBe("reconcile");
  });
});

describe("11.1 a record that cannot be read is reported while the store holds it", () => {
  const other = "billing.InvoiceIsued";
  const otherKey = { kind: "level", capability: other } as const;

  /** A node of b2-new whose log lines are kept. */
  async function loggedNode(): Promise<{ node: FleetNode; logged: (message: string) => number }> {
    const lines: { msg: string }[] = [];
    const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string }) });
    const node = await fleet.node("a", "b2-new", { logger });
    return { node, logged: (message) => lines.filter((line) => line.msg === message).length };
  }

  /** What the node reports as unreadable: in its status, and in the heartbeat it sends now. */
  async function reported(node: FleetNode): Promise<{ status: readonly string[]; heartbeat: readonly string[] }> {
    await node.heartbeat();
    const beat = await fleet.plane.readBeat({ nodeId: node.nodeId, incarnation: node.incarnation });
    if (beat === undefined) throw new Error("no heartbeat");
    const record = JSON.parse(new TextDecoder().decode(beat.value)) as { unreadable: string[] };
    return { status: node.status().unreadable, heartbeat: record.unreadable };
  }

  test("a record removed (a tombstone) is no longer reported, and each problem is logged once, not on every entry applied", async () => {
    const { node, logged } = await loggedNode();
    await fleet.coordinator.enableWrite(TYPE, 1, WHO);
    await fleet.plane.append(otherKey, utf8.encode("{broken"), { expect: 0 });
    await fleet.settle();
    const before = await reported(node);
    expect(before.status.join()).toContain(`level ${other}`);
    expect(before.heartbeat).toEqual(before.status);
    await fleet.coordinator.enableWrite(TYPE, 2, WHO);
    await fleet.settle();
    expect(node.writeLevel(TYPE)).toBe(2);
    expect(logged("a record cannot be read; keeping what this node applied before")).toBe(1);
    await fleet.plane.append(otherKey, utf8.encode("forgotten"), { tombstone: true });
    await fleet.settle();
    expect(await reported(node)).toEqual({ status: [], heartbeat: [] });
    expect(logged("a record that could not be read is gone or can be read again")).toBe(1);
    expect(logged("a record cannot be read; keeping what this node applied before")).toBe(1);
    expect(node.regressed).toBeNull();
    expect(node.writeLevel(TYPE)).toBe(2);
  });

  test("a record missing from a snapshot is no longer reported", async () => {
    const { node } = await loggedNode();
    await fleet.coordinator.enableWrite(TYPE, 1, WHO);
    await fleet.settle();
    const backup = fleet.plane.backup();
    await fleet.plane.append(otherKey, utf8.encode("{broken"), { expect: 0 });
    await fleet.settle();
    expect((await reported(node)).status.join()).toContain(`level ${other}`);
    fleet.plane.restore(backup);
    await fleet.settle();
    expect(await reported(node)).toEqual({ status: [], heartbeat: [] });
    expect(node.regressed).toBeNull();
    expect(node.writeLevel(TYPE)).toBe(1);
  });
});

/** Record format 2, as a newer twostep might write it: a ramp's share in basis points instead of percent. */
const recordFormat2: RecordFormat<TwostepRecords> = {
  version: 2,
  encode: (kind, model) => {
    const json = recordFormat1.encode(kind, model);
    if (kind !== "level") return json;
    const ramp = (model as WriteLevelRecord).ramp;
    return { ...json, ramp: ramp === null ? null : { to: ramp.to, basisPoints: Math.round(ramp.percent * 100), by: ramp.by, where: ramp.where } };
  },
  decode: (kind, json) => {
    if (kind !== "level") return recordFormat1.decode(kind, json);
    const ramp = json["ramp"] as { to: number; basisPoints: number; by: string; where: unknown } | null;
    if (ramp !== null && typeof ramp.basisPoints !== "number") throw new RecordProblem("ramp.basisPoints: expected number");
    return recordFormat1.decode(kind, {
      ...json,
      ramp: ramp === null ? null : { to: ramp.to, percent: ramp.basisPoints / 100, by: ramp.by, where: ramp.where },
    });
  },
};

describe("11.1 twostep upgrades its own record format read first", () => {
  const oldTwostep = twostepRecordFormats;
  const newTwostep = twostepRecordFormats.with(recordFormat2);

  test("an old and a new twostep share one control plane through the upgrade and back", async () => {
    const newCoordinator = fleet.coordinatorOn(fleet.plane, { recordFormats: newTwostep });
    const oldNode = await fleet.node("old", "b2-new", { recordFormats: oldTwostep });
    const newNode = await fleet.node("new", "b2-new", { recordFormats: newTwostep });
    await newCoordinator.enableWrite(TYPE, 1, WHO);
    await newCoordinator.enableWrite(TYPE, 2, { ...WHO, percent: 25 });
    // The new coordinator writes format 1 while any member reads only format 1.
    expect((await storedRecord()).json["format"]).toBe(1);
    const refused = await newCoordinator.change(RECORD_FORMAT_CAPABILITY, { kind: "enable-write", level: 2 }, WHO, { dryRun: true });
    expect(refused.blockers.map((blocker) => [blocker.nodeId, blocker.reason])).toEqual([["old", "no-reader"]]);
    await oldNode.stop();
    await newCoordinator.enableWrite(RECORD_FORMAT_CAPABILITY, 1, WHO);
    await newCoordinator.enableWrite(RECORD_FORMAT_CAPABILITY, 2, WHO);
    await newCoordinator.enableWrite(TYPE, 2, { ...WHO, percent: 50 });
    const stored = await storedRecord();
    expect([stored.json["format"], (stored.json["ramp"] as { basisPoints: number }).basisPoints]).toEqual([2, 5000]);
    await fleet.settle();
    expect(newNode.record(TYPE)?.ramp?.percent).toBe(50);
    // An old twostep can no longer join, nor change anything: it cannot read format 2.
    expect(await codeOf(fleet.node("old-again", "b2-new", { recordFormats: oldTwostep }))).toBe(FleetErrorCode.JoinRefused);
    const oldCoordinator = fleet.coordinatorOn(fleet.plane, { recordFormats: oldTwostep });
    expect(await codeOf(oldCoordinator.disableWrite(TYPE, WHO))).toBe(FleetErrorCode.RecordUnreadable);
    // And back: the format is rolled back, records are written again in format 1, format 2 is retired.
    await newCoordinator.disableWrite(RECORD_FORMAT_CAPABILITY, { ...WHO, to: 1 });
    expect((await storedRecord()).json["format"]).toBe(1);
    await newCoordinator.change(RECORD_FORMAT_CAPABILITY, { kind: "policy", drainWindowMs: 0 }, WHO);
    await fleet.heartbeat();
    await newCoordinator.retire(RECORD_FORMAT_CAPABILITY, 2, WHO);
    const back = await fleet.node("old-back", "b2-new", { recordFormats: oldTwostep });
    expect(back.record(TYPE)?.ramp?.percent).toBe(50);
    await oldCoordinator.disableWrite(TYPE, WHO);
  });

  test("an older twostep refuses to reconcile while a node holds a record in a format it cannot read: it would leave out the levels that record requires", async () => {
    const coordinator = fleet.coordinatorOn(fleet.plane, { recordFormats: newTwostep });
    const a = await fleet.node("a", "b2-new", { recordFormats: newTwostep });
    await coordinator.enableWrite(TYPE, 1, WHO);
    const backup = fleet.plane.backup();
    await coordinator.enableWrite(RECORD_FORMAT_CAPABILITY, 1, WHO);
    await coordinator.enableWrite(RECORD_FORMAT_CAPABILITY, 2, WHO);
    await coordinator.enableWrite(TYPE, 2, WHO);
    await fleet.settle();
    await a.heartbeat();
    // The store goes back to before format 2: a holds the record of TYPE in format 2, and says so.
    fleet.plane.restore(backup);
    await fleet.settle();
    await a.heartbeat();
    const refused = await typedFailure(fleet.coordinatorOn(fleet.plane, { recordFormats: oldTwostep }).reconcile(WHO));
    expect(refused.code).toBe(FleetErrorCode.RecordUnreadable);
    expect(refused.message).toContain("reconcile with the newer twostep that wrote it");
    await coordinator.reconcile(WHO);
    await fleet.settle();
    await a.heartbeat();
    expect([a.regressed, a.record(TYPE)?.everWritten]).toEqual([null, [1, 2]]);
  });

  test("a revision a node applied is missed by the store though the store's record is one a reconcile left alone, of an earlier epoch: a join is refused", async () => {
    const coordinator = fleet.coordinatorOn(fleet.plane, { recordFormats: newTwostep });
    const a = await fleet.node("a", "b2-new", { recordFormats: newTwostep, controlPlane: hushable() });
    await coordinator.enableWrite(RECORD_FORMAT_CAPABILITY, 1, WHO);
    await coordinator.enableWrite(RECORD_FORMAT_CAPABILITY, 2, WHO);
    await coordinator.enableWrite(TYPE, 1, WHO);
    // An older twostep's reconcile leaves the record of TYPE (format 2) alone, at epoch 1.
    await fleet.coordinatorOn(fleet.plane, { recordFormats: oldTwostep }).reconcile(WHO);
    const backup = fleet.plane.backup();
    await coordinator.enableWrite(TYPE, 2, WHO);
    await fleet.settle();
    await a.heartbeat();
    // The log goes back; a cannot say so, but its heartbeat, kept, reports a revision the store lacks.
    quiet.hush();
    restoreLog(backup);
    await fleet.settle();
    expect(await codeOf(fleet.node("old", "b1-old", { recordFormats: newTwostep }))).toBe(FleetErrorCode.StoreRegressed);
  });

  test("a record a reconcile left alone (an older twostep cannot read it) is followed as ever: a retire of it is taken", async () => {
    const coordinator = fleet.coordinatorOn(fleet.plane, { recordFormats: newTwostep });
    const a = await fleet.node("a", "b3-next", { recordFormats: newTwostep });
    await coordinator.enableWrite(RECORD_FORMAT_CAPABILITY, 1, WHO);
    await coordinator.enableWrite(RECORD_FORMAT_CAPABILITY, 2, WHO);
    await coordinator.enableWrite(TYPE, 1, WHO);
    await coordinator.enableWrite(TYPE, 2, WHO);
    await coordinator.change(TYPE, { kind: "policy", drainWindowMs: 1_000 }, WHO);
    // An older twostep reconciles: it rewrites the record format's record, and leaves the record of TYPE, which it cannot read, alone.
    expect((await fleet.coordinatorOn(fleet.plane, { recordFormats: oldTwostep }).reconcile(WHO)).records).toEqual([RECORD_FORMAT_CAPABILITY]);
    await fleet.settle();
    expect([a.regressed, a.record(TYPE)?.epoch]).toEqual([null, 1]);
    fleet.clock.advance(10_000);
    await fleet.heartbeat();
    await coordinator.retire(TYPE, 1, WHO);
    await fleet.settle();
    expect([a.regressed, a.record(TYPE)?.retired]).toEqual([null, [1]]);
  });
});

/**
 * Node `a` (build b2-new), v1 then v2 enabled by the harness's long-running
 * coordinator, which reads the v2 record; then the store (heartbeats
 * included: a's reports nothing the store lacks until it beats again) is
 * restored to a copy taken at v1. Returns the revision the coordinator read.
 */
/** Node `a` (build b2-new, on a {@link hushable} plane) writing v2 and having said so, and a copy of the store taken while v1 was the write level. */
async function underV2Writer(options: Partial<NodeOptions> = {}): Promise<{ a: FleetNode; backup: MemoryBackup }> {
  const a = await fleet.node("a", "b2-new", { controlPlane: hushable(), ...options });
  await fleet.coordinator.enableWrite(TYPE, 1, WHO);
  const backup = fleet.plane.backup();
  await fleet.coordinator.enableWrite(TYPE, 2, WHO);
  await fleet.settle();
  await a.heartbeat();
  return { a, backup };
}

async function restoredUnderCoordinatorThatRead(): Promise<number> {
  await fleet.node("a", "b2-new", { controlPlane: hushable() });
  await fleet.coordinator.enableWrite(TYPE, 1, WHO);
  const backup = fleet.plane.backup();
  await fleet.coordinator.enableWrite(TYPE, 2, WHO);
  const read = (await fleet.coordinator.status()).capabilities[0]?.revision ?? 0;
  // No node says so: a cannot reach the control plane.
  quiet.hush();
  fleet.plane.restore(backup);
  return read;
}

describe("11.2 a store that went backwards is noticed", () => {
  test("nodes keep their newer records and say so, changes are refused until reconcile, which keeps every level anyone wrote", async () => {
    const a = await restoredUnderV2Writer({ quiet: true });
    expect(a.regressed).toContain("went back");
    // Nothing stored says so yet, so a joining node could not tell: a writes nothing until a heartbeat does.
    expect(a.fence?.message).toContain("it holds records the store lost, and no heartbeat has said so yet");
    quiet.clear();
    await a.heartbeat();
    expect(a.writeLevel(TYPE)).toBe(2);
    expect(await codeOf(fleet.coordinator.enableWrite(TYPE, 2, WHO))).toBe(FleetErrorCode.StoreRegressed);
    expect((await fleet.coordinator.status()).plane.regressed.join()).toContain("a@");
    // An old build is not let in on the lost record: the node that holds it is still a member that writes v2.
    const result = await fleet.coordinator.reconcile(WHO);
    expect(result.evidence.length).toBeGreaterThan(0);
    await fleet.settle();
    expect((await fleet.coordinator.status(TYPE)).capabilities[0]?.record).toMatchObject({ level: 2, everWritten: [1, 2] });
    expect(a.regressed).toBeNull();
    expect(await codeOf(fleet.node("old", "b1-old"))).toBe(FleetErrorCode.JoinRefused);
    await fleet.heartbeat();
    await fleet.coordinator.disableWrite(TYPE, WHO);
  });

  test("a node that finds records the store lost says so at once: its heartbeat and mark are stored without waiting for the next one, and it writes on", async () => {
    const a = await restoredUnderV2Writer();
    await vi.waitFor(async () => expect(await fleet.plane.regressionMarks()).toEqual(["a"]));
    const beat = twostepRecordFormats.decode("heartbeat", (await fleet.plane.lastBeat())?.value ?? new Uint8Array());
    expect(beat.ok && beat.value.regressed).toContain("went back");
    expect([a.fence, a.writeLevel(TYPE)]).toEqual([undefined, 2]);
    expect(await codeOf(fleet.node("old", "b1-old"))).toBe(FleetErrorCode.StoreRegressed);
  });

  test("a mark stored for records the store lost before is not taken for those it lost since: the node writes nothing until a heartbeat says so", async () => {
    const { a, backup: older } = await underV2Writer();
    const newer = fleet.plane.backup();
    fleet.plane.restore(older);
    await fleet.settle();
    await vi.waitFor(() => expect([a.regressed !== null, a.fence]).toEqual([true, undefined]));
    // A heartbeat of this first time goes out, and its mark is held back.
    let release = (): void => {};
    quiet.markGate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const sent = a.heartbeat();
    // Stored, its mark waiting.
    await fleet.settle();
    // The store catches up, then goes back again: a second time, which no heartbeat has said yet.
    fleet.plane.restore(newer);
    await fleet.settle();
    expect(a.regressed).toBeNull();
    fleet.plane.restore(older);
    await fleet.settle();
    quiet.hushed.add("beat");
    release();
    await sent;
    await a.heartbeat();
    expect([a.regressed !== null, a.fence?.message]).toEqual([true, expect.stringContaining("no heartbeat has said so yet")]);
  });

  test("a coordinator that read a revision the store has since lost refuses changes, though no node reports it", async () => {
    const read = await restoredUnderCoordinatorThatRead();
    const refused = await typedFailure(fleet.coordinator.change(TYPE, { kind: "policy", drainWindowMs: 1_000 }, WHO));
    expect(refused.code).toBe(FleetErrorCode.StoreRegressed);
    expect(refused.message).toContain(`short of revision ${read}, which this coordinator read before`);
    expect((await fleet.coordinator.status()).plane.regressed.join()).toContain("this coordinator read before");
    // A reconcile starts a new epoch, from which the coordinator judges positions afresh.
    await fleet.coordinator.reconcile(WHO);
    await fleet.coordinator.change(TYPE, { kind: "policy", drainWindowMs: 1_000 }, WHO);
    expect((await fleet.coordinator.status()).plane.regressed).toEqual([]);
  });

  test("a coordinator judges each record it read: writes elsewhere that carry the log past what it read do not hide a record gone back", async () => {
    const read = await restoredUnderCoordinatorThatRead();
    // Nodes join the restored store (a's heartbeat was restored too, and shows nothing), carrying its log past what was read.
    for (let joined = 0; (await fleet.plane.read("fleet")).position <= read; joined++) await fleet.node(`late-${joined}`, "b2-new");
    const refused = await typedFailure(fleet.coordinator.change(TYPE, { kind: "policy", drainWindowMs: 1_000 }, WHO));
    expect(refused.code).toBe(FleetErrorCode.StoreRegressed);
    expect(refused.message).toContain(`the record of ${TYPE} went back from revision ${read}, which this coordinator read, to`);
  });

  test("a store restored to before a reconcile is noticed by a coordinator that read the later epoch, and the next reconcile starts above it", async () => {
    await fleet.node("a", "b2-new");
    await fleet.coordinator.enableWrite(TYPE, 1, WHO);
    const backup = fleet.plane.backup();
    expect((await fleet.coordinator.reconcile(WHO)).epoch).toBe(2);
    await fleet.coordinator.status();
    fleet.plane.restore(backup);
    const refused = await typedFailure(fleet.coordinator.change(TYPE, { kind: "policy", drainWindowMs: 1_000 }, WHO));
    expect(refused.code).toBe(FleetErrorCode.StoreRegressed);
    expect(refused.message).toContain("the control plane went back from epoch 2, which this coordinator read, to epoch 1");
    expect((await fleet.coordinator.reconcile(WHO)).epoch).toBe(3);
    await fleet.coordinator.change(TYPE, { kind: "policy", drainWindowMs: 1_000 }, WHO);
  });

  test("a reconcile by another coordinator starts a history this one judges afresh, even at an epoch number it read, or on a recreated store", async () => {
    for (const recreated of [false, true]) {
      const plane = new MemoryControlPlane({ clock: fleet.clock.now });
      const reader = fleet.coordinatorOn(plane);
      quiet.clear();
      await fleet.node(`a-${recreated}`, "b2-new", { controlPlane: hushable(plane) });
      await reader.enableWrite(TYPE, 1, WHO);
      const backup = recreated ? new MemoryControlPlane().backup() : plane.backup();
      // The reader reconciles to epoch 2 and reads on; the store is then restored to epoch 1 (or to nothing).
      await reader.reconcile(WHO);
      await reader.enableWrite(TYPE, 2, WHO);
      quiet.hush();
      plane.restore(backup);
      expect(await codeOf(reader.change(TYPE, { kind: "policy", drainWindowMs: 1_000 }, WHO))).toBe(FleetErrorCode.StoreRegressed);
      // Another coordinator, to which no member reported epoch 2, reconciles: epoch 2 again, or a new control plane.
      await fleet.coordinatorOn(plane).reconcile(WHO);
      await reader.change(TYPE, { kind: "policy", drainWindowMs: 1_000 }, WHO);
      expect((await reader.status()).plane.regressed).toEqual([]);
    }
  });

  test("a reconcile made without a node's records (at an epoch number it saw, before it beat again) is not taken by it; the next one, which has them, is", async () => {
    const a = await fleet.node("a", "b2-new", { controlPlane: hushable() });
    await fleet.coordinator.enableWrite(TYPE, 1, WHO);
    await fleet.settle();
    await a.heartbeat();
    const backup = fleet.plane.backup();
    await fleet.coordinatorOn().reconcile(WHO);
    await fleet.coordinatorOn().enableWrite(TYPE, 2, WHO);
    await fleet.settle();
    await a.heartbeat();
    quiet.hush();
    fleet.plane.restore(backup);
    await fleet.settle();
    // Right after the restore, before a's heartbeat gets through: the reconcile sees epoch 1 and none of a's records, and starts epoch 2 again.
    expect((await fleet.coordinatorOn().reconcile(WHO)).epoch).toBe(2);
    await fleet.settle();
    quiet.clear();
    await a.heartbeat();
    expect([a.regressed, a.writeLevel(TYPE)]).toEqual([expect.stringContaining("revision"), 2]);
    expect(await codeOf(fleet.coordinatorOn().change(TYPE, { kind: "policy", drainWindowMs: 1_000 }, WHO))).toBe(FleetErrorCode.StoreRegressed);
    // a said what it holds, at epoch 2: the next reconcile starts above it and keeps v2.
    expect((await fleet.coordinatorOn().reconcile(WHO)).epoch).toBe(3);
    await fleet.settle();
    await a.heartbeat();
    expect([a.regressed, a.writeLevel(TYPE)]).toEqual([null, 2]);
    await fleet.coordinatorOn().change(TYPE, { kind: "policy", drainWindowMs: 1_000 }, WHO);
    expect(await codeOf(fleet.node("old", "b1-old"))).toBe(FleetErrorCode.JoinRefused);
  });

  test("a reconcile at a later epoch made before a node said what it holds is not taken by it, for it drops v2, which the node's record requires; the next one, which has it, is", async () => {
    const { a, backup } = await underV2Writer();
    // The backup's heartbeats show nothing, and a cannot say what it holds yet: a new coordinator sees no evidence.
    quiet.hush();
    fleet.plane.restore(backup);
    await fleet.settle();
    expect((await fleet.coordinatorOn().reconcile(WHO)).evidence).toEqual([]);
    await fleet.settle();
    quiet.clear();
    await a.heartbeat();
    expect(a.regressed).toContain(`the reconcile to epoch 2 has no record of ${TYPE} that requires v2`);
    expect([a.writeLevel(TYPE), a.record(TYPE)?.everWritten]).toEqual([2, [1, 2]]);
    // v2 frames a wrote are about: a build that cannot read them is not let in on the epoch-2 record, which requires only v1.
    expect(await codeOf(fleet.node("old", "b1-old"))).toBe(FleetErrorCode.StoreRegressed);
    expect(await codeOf(fleet.coordinatorOn().enableWrite(TYPE, 1, WHO))).toBe(FleetErrorCode.StoreRegressed);
    // a said what it holds: the next reconcile keeps v2, and a takes it.
    expect((await fleet.coordinatorOn().reconcile(WHO)).epoch).toBe(3);
    await fleet.settle();
    await a.heartbeat();
    expect([a.regressed, a.record(TYPE)?.everWritten]).toEqual([null, [1, 2]]);
    expect(await codeOf(fleet.node("old", "b1-old"))).toBe(FleetErrorCode.JoinRefused);
  });

  test("a store that went back from a node's record and was written past it by a coordinator that saw nothing: the node does not take the later record that drops v2, nor let a build in that cannot read it", async () => {
    const { a, backup } = await underV2Writer();
    const held = a.appliedRevision(TYPE);
    // The heartbeats are lost with the store, and a cannot say so: a new coordinator sees nothing and changes the record past a's revision.
    quiet.hush();
    fleet.plane.restore({ ...backup, beats: [], marks: new Map() });
    await fleet.settle();
    const manager = fleet.coordinatorOn();
    for (let drain = 1_000; (await fleet.plane.read("records")).position <= held; drain++) {
      // Never at a's very revision, where the other record shows at once: another entry takes that one.
      if ((await fleet.plane.read("records")).position + 1 === held) await fleet.plane.append({ kind: "controller" }, utf8.encode("{}"));
      else await manager.change(TYPE, { kind: "policy", drainWindowMs: drain }, WHO);
    }
    // A resync delivers the store as it is now.
    fleet.plane.restore(fleet.plane.backup());
    await fleet.settle();
    expect(a.regressed).toContain(`no longer requires v2, as the one this node holds (revision ${held}) does, and the store went back from that one`);
    quiet.clear();
    await a.heartbeat();
    expect([a.record(TYPE)?.everWritten, a.writeLevel(TYPE)]).toEqual([[1, 2], 2]);
    expect(await codeOf(fleet.node("old", "b1-old"))).toBe(FleetErrorCode.StoreRegressed);
    // The reconcile has a's record: v2 stays required, and a takes it.
    await manager.reconcile(WHO);
    await fleet.settle();
    await a.heartbeat();
    expect([a.regressed, a.record(TYPE)?.everWritten]).toEqual([null, [1, 2]]);
    expect(await codeOf(fleet.node("old", "b1-old"))).toBe(FleetErrorCode.JoinRefused);
  });

  test("a node that missed a retire before the store went back refuses a reconcile that keeps it retired; the next one, which has its record, requires the level again, and every node takes it", async () => {
    const lag = new LossyGate();
    const a = await fleet.node("a", "b2-new");
    await fleet.coordinator.enableWrite(TYPE, 1, WHO);
    await fleet.coordinator.enableWrite(TYPE, 2, WHO);
    // r does not write v1, so the retire does not wait for it; it misses the retire, and catches up only by a resync.
    const r = await fleet.node("r", "b3-narrow", { controlPlane: hookedControlPlane(fleet.plane, { followGate: lag }) });
    await fleet.coordinator.change(TYPE, { kind: "policy", drainWindowMs: 1_000 }, WHO);
    await fleet.settle();
    fleet.clock.advance(10_000);
    await fleet.heartbeat();
    const backup = fleet.plane.backup();
    lag.lagging = true;
    await fleet.coordinator.retire(TYPE, 1, WHO);
    await fleet.settle();
    fleet.plane.restore(backup);
    lag.lagging = false;
    await fleet.settle();
    await fleet.heartbeat();
    expect([a.regressed !== null, r.regressed, r.record(TYPE)?.retired]).toEqual([true, null, []]);
    // The first reconcile has only a's record (r said nothing), which retires v1: r does not take it, and says so.
    await fleet.coordinatorOn().reconcile(WHO);
    await fleet.settle();
    await fleet.heartbeat();
    expect([a.regressed, r.regressed]).toEqual([null, expect.stringContaining("that requires v1")]);
    // The next has r's record: v1 is required again (a release manager retires it again), and both take it.
    await fleet.coordinatorOn().reconcile(WHO);
    await fleet.settle();
    await fleet.heartbeat();
    expect([a.regressed, r.regressed, (await fleet.coordinator.status(TYPE)).capabilities[0]?.record?.retired]).toEqual([null, null, []]);
    await fleet.coordinatorOn().retire(TYPE, 1, WHO);
  });

  test("a reconcile while a record is in a format nobody here reads does not wedge the node that cannot read it either", async () => {
    const a = await fleet.node("a", "b2-new");
    await fleet.coordinator.enableWrite(TYPE, 2, WHO);
    await fleet.settle();
    const { revision } = await storedRecord();
    await fleet.plane.append(levelKey, utf8.encode(JSON.stringify({ format: 9, capability: TYPE, anything: true })), { expect: revision });
    await fleet.settle();
    await fleet.coordinatorOn().reconcile(WHO);
    await fleet.settle();
    await a.heartbeat();
    // The record stays unreadable (a newer twostep's), and says so; the store did not go backwards.
    expect([a.regressed, a.status().unreadable.length]).toEqual([null, 1]);
    await fleet.coordinatorOn().enableWrite(RECORD_FORMAT_CAPABILITY, 1, { ...WHO, allowUndeclared: true });
  });

  test("a record that requires nothing, lost with the store, is dropped by the node at the reconcile: it wedges nothing", async () => {
    const a = await fleet.node("a", "b2-new", { controlPlane: hushable() });
    await fleet.coordinator.enableWrite(TYPE, 1, WHO);
    const backup = fleet.plane.backup();
    await fleet.coordinator.change("billing.Invoice", { kind: "policy", drainWindowMs: 1_000 }, WHO, { allowUndeclared: true });
    await fleet.settle();
    await a.heartbeat();
    quiet.hush();
    fleet.plane.restore(backup);
    await fleet.settle();
    await fleet.coordinatorOn().reconcile(WHO);
    await fleet.settle();
    quiet.clear();
    await a.heartbeat();
    expect([a.regressed, a.record("billing.Invoice")]).toEqual([null, undefined]);
    expect((await fleet.coordinator.status()).plane.regressed).toEqual([]);
    await fleet.node("b", "b2-new");
  });

  test("a reconcile keeps every level a heartbeat reports written within the drain window, whatever the records say, and of a capability the store has no record of", async () => {
    await fleet.node("a", "b2-new");
    await fleet.coordinator.enableWrite(TYPE, 1, WHO);
    const ghost = { nodeId: "ghost", incarnation: "g1" };
    const plane = (await fleet.coordinator.status()).plane;
    const beat = heartbeatRecord(ghost.nodeId, {
      incarnation: ghost.incarnation,
      plane: { id: plane.id ?? "", epoch: 1 },
      writes: { [TYPE]: { "2": 5_000, "3": 7_200_000 }, "billing.Invoice": { "4": 1_000 } },
    });
    await fleet.plane.beat(ghost, twostepRecordFormats.encode("heartbeat", beat, 1), { expect: 0 });
    await fleet.coordinatorOn().reconcile(WHO);
    // v2 was written 5 s ago; v3, two hours ago, is past the drain window (1 h).
    expect((await fleet.coordinator.status(TYPE)).capabilities[0]?.record).toMatchObject({ level: 1, everWritten: [1, 2], retired: [] });
    // Nobody knows what writes billing.Invoice: it is required, and nothing writes it until a release manager says so.
    expect((await fleet.coordinator.status("billing.Invoice")).capabilities[0]?.record).toMatchObject({ level: null, everWritten: [4], epoch: 2 });
  });

  test("a reconcile after a restore to before a retire keeps it retired: the store's older record alone does not undo it", async () => {
    const a = await fleet.node("a", "b3-next");
    await fleet.coordinator.enableWrite(TYPE, 1, WHO);
    const stale = fleet.plane.backup();
    await fleet.coordinator.enableWrite(TYPE, 2, WHO);
    await fleet.coordinator.change(TYPE, { kind: "policy", drainWindowMs: 1_000 }, WHO);
    await fleet.settle();
    fleet.clock.advance(10_000);
    await fleet.heartbeat();
    await fleet.coordinator.retire(TYPE, 1, WHO);
    await fleet.settle();
    fleet.plane.restore(stale);
    await fleet.settle();
    await a.heartbeat();
    await fleet.coordinatorOn().reconcile(WHO);
    await fleet.settle();
    await a.heartbeat();
    expect([a.regressed, (await fleet.coordinator.status(TYPE)).capabilities[0]?.record?.retired]).toEqual([null, [1]]);
  });

  test("a reconcile that did not finish (its identity record lost) refuses every change until it is run again, which starts above its records", async () => {
    const a = await fleet.node("a", "b2-new");
    await fleet.coordinator.enableWrite(TYPE, 1, WHO);
    await fleet.coordinator.enableWrite(TYPE, 2, WHO);
    const broken = coordinatorLosingIdentity();
    await expect(broken.reconcile(WHO)).rejects.toThrow("connection lost");
    await fleet.settle();
    expect(a.record(TYPE)?.epoch).toBe(2);
    const refused = await typedFailure(fleet.coordinatorOn().disableWrite(TYPE, WHO));
    expect(refused.code).toBe(FleetErrorCode.StoreRegressed);
    expect(refused.message).toContain(`the record of ${TYPE} is of epoch 2, above the control plane's epoch 1: a reconcile did not finish`);
    expect((await fleet.coordinatorOn().reconcile(WHO)).epoch).toBe(3);
    await fleet.settle();
    await a.heartbeat();
    expect([a.regressed, a.record(TYPE)?.epoch]).toEqual([null, 3]);
    await fleet.coordinatorOn().disableWrite(TYPE, WHO);
  });

  test("a node that took a reconcile's records and missed its identity record takes what followed in that history at its resync: a retire after the reconcile", async () => {
    const lag = new LossyGate();
    const a = await fleet.node("a", "b2-new", { controlPlane: hookedControlPlane(fleet.plane, { followGate: lag }) });
    await fleet.coordinator.enableWrite(TYPE, 1, WHO);
    await fleet.coordinator.enableWrite(TYPE, 2, WHO);
    await fleet.coordinator.change(TYPE, { kind: "policy", drainWindowMs: 1_000 }, WHO);
    await fleet.settle();
    fleet.clock.advance(10_000);
    await fleet.heartbeat();
    // An ordinary reconcile; a's watch breaks between its records and its identity record.
    const manager = fleet.coordinatorOn(
      hookedControlPlane(fleet.plane, {
        beforeAppend: async (key) => {
          if (key.kind !== "meta") return;
          await fleet.settle();
          lag.lagging = true;
        },
      }),
    );
    await manager.reconcile(WHO);
    await fleet.settle();
    await a.heartbeat();
    expect([a.record(TYPE)?.epoch, a.status().regressed]).toEqual([2, null]);
    await fleet.coordinatorOn().retire(TYPE, 1, WHO);
    lag.lagging = false;
    fleet.plane.restore(fleet.plane.backup());
    await fleet.settle();
    await a.heartbeat();
    expect([a.regressed, a.record(TYPE)?.retired]).toEqual([null, [1]]);
    await fleet.coordinatorOn().change(TYPE, { kind: "policy", drainWindowMs: 2_000 }, WHO);
  });

  test("a node that holds the records of a reconcile that did not finish does not take another history's reconcile at that epoch number, made without them", async () => {
    const a = await fleet.node("a", "b2-new", { controlPlane: hushable() });
    await fleet.coordinator.enableWrite(TYPE, 1, WHO);
    const backup = fleet.plane.backup();
    await fleet.coordinator.enableWrite(TYPE, 2, WHO);
    await fleet.settle();
    await a.heartbeat();
    const broken = coordinatorLosingIdentity();
    await broken.reconcile(WHO).catch(() => {});
    await fleet.settle();
    expect(a.record(TYPE)?.epoch).toBe(2);
    // The store goes back; a cannot say so; the log passes a's revision, and a reconcile made without a's records reuses epoch 2.
    quiet.hush();
    fleet.plane.restore(backup);
    await fleet.settle();
    while ((await fleet.plane.read("records")).position <= a.appliedRevision(TYPE)) await fleet.plane.append({ kind: "controller" }, utf8.encode("{}"));
    expect((await fleet.coordinatorOn().reconcile(WHO)).epoch).toBe(2);
    await fleet.settle();
    quiet.clear();
    await a.heartbeat();
    expect([a.regressed, a.record(TYPE)?.everWritten]).toEqual([expect.stringContaining("requires v2"), [1, 2]]);
    expect(await codeOf(fleet.node("old", "b1-old"))).toBe(FleetErrorCode.StoreRegressed);
    // Its records reach the next reconcile, and a takes it.
    expect((await fleet.coordinatorOn().reconcile(WHO)).epoch).toBe(3);
    await fleet.settle();
    await a.heartbeat();
    expect([a.regressed, a.record(TYPE)?.everWritten]).toEqual([null, [1, 2]]);
  });

  test("a node that applied a revision the store lost and wrote again, with another record, keeps its own and says so, at every resync, past it too", async () => {
    const a = await restoredUnderV2Writer();
    const lost = a.appliedRevision(TYPE);
    const held = a.record(TYPE);
    // Written again up to the lost revision and past it, as a coordinator that saw no evidence could: the v1 record, at new revisions.
    for (let stored = await fleet.plane.get(levelKey); stored !== undefined && stored.revision <= lost; stored = await fleet.plane.get(levelKey)) {
      await fleet.plane.append(levelKey, stored.value, { expect: stored.revision });
    }
    expect((await storedRecord()).revision).toBeGreaterThan(lost);
    // A complete snapshot, as a follower's resync delivers: the store never catches up with a history it forked from.
    fleet.plane.restore(fleet.plane.backup());
    await fleet.settle();
    expect(a.regressed).toContain(`at revision ${lost} is not the one this node applied there`);
    await a.heartbeat();
    expect([a.record(TYPE), a.writeLevel(TYPE)]).toEqual([held, 2]);
    expect(await codeOf(fleet.node("old", "b1-old"))).toBe(FleetErrorCode.StoreRegressed);
  });

  test("a build that does not read what running nodes write is refused at join while the store has gone backwards, until reconcile", async () => {
    const a = await restoredUnderV2Writer();
    await a.heartbeat();
    // The restored record requires only v1, but a still holds and writes v2.
    expect([a.regressed !== null, a.writeLevel(TYPE), (await storedRecord()).json["level"]]).toEqual([true, 2, 1]);

    const refused = await typedFailure(fleet.node("old", "b1-old"));
    expect(refused.code).toBe(FleetErrorCode.StoreRegressed);
    expect(refused.message).toContain("went backwards");
    expect(refused.message).toContain("twostep reconcile");
    expect(refused.message).toContain("a@");
    // Whatever the build: nothing joins on records the fleet has moved past.
    expect(await codeOf(fleet.node("new", "b2-new"))).toBe(FleetErrorCode.StoreRegressed);
    expect((await fleet.coordinator.status()).members.map((member) => member.nodeId)).toEqual(["a"]);

    await fleet.coordinator.reconcile(WHO);
    await fleet.settle();
    await a.heartbeat();
    expect(a.regressed).toBeNull();
    expect(await codeOf(fleet.node("old", "b1-old"))).toBe(FleetErrorCode.JoinRefused);
    const b = await fleet.node("b", "b2-new");
    expect(b.writeLevel(TYPE)).toBe(2);
  });

  test("a node that joined after the restore and beats last does not hide another's heartbeat: a build that does not read what it writes stays refused until reconcile", async () => {
    const a = await restoredUnderV2Writer({ quiet: true });
    // The restore took a's heartbeat back too: until a's heartbeat gets through, nothing stored says the store went backwards.
    const b = await fleet.node("b", "b2-new");
    quiet.clear();
    await a.heartbeat();
    await b.heartbeat();
    const last = await fleet.plane.lastBeat();
    expect([a.regressed !== null, a.writeLevel(TYPE), last?.key.nodeId]).toEqual([true, 2, "b"]);
    expect(await fleet.plane.regressionMarks()).toEqual(["a"]);

    const refused = await typedFailure(fleet.node("old", "b1-old"));
    expect(refused.code).toBe(FleetErrorCode.StoreRegressed);
    expect(refused.message).toContain("a@");

    await fleet.coordinator.reconcile(WHO);
    await fleet.settle();
    await a.heartbeat();
    // The mark stays until it expires, and points at a heartbeat that shows nothing now: the records decide.
    expect([a.regressed, await fleet.plane.regressionMarks()]).toEqual([null, ["a"]]);
    expect(await codeOf(fleet.node("old", "b1-old"))).toBe(FleetErrorCode.JoinRefused);
  });

  test("in every order of a's heartbeat, another node's join and heartbeat, and an old build's join, the old build is refused exactly when a reported first", async () => {
    const events = ["a beats", "b joins", "b beats", "old joins"] as const;
    const orders = permutations([...events]).filter((order) => order.indexOf("b joins") < order.indexOf("b beats"));
    expect(orders.length).toBe(12);
    await fleet.close();
    for (const order of orders) {
      const run = new FleetHarness();
      fleet = run;
      const a = await restoredUnderV2Writer({ quiet: true });
      let b: FleetNode | undefined;
      let old = "not yet";
      for (const event of order) {
        if (event === "a beats") {
          quiet.clear();
          await a.heartbeat();
        }
        if (event === "b joins") b = await run.node("b", "b2-new").catch(() => undefined);
        if (event === "b beats") await b?.heartbeat();
        if (event === "old joins") old = await codeOf(run.node("old", "b1-old"));
      }
      // a holds v2, which the old build cannot read. Before a's heartbeat gets through, nothing stored shows it: the window that stays open.
      const reportedFirst = order.indexOf("a beats") < order.indexOf("old joins");
      expect(old, order.join(", ")).toBe(reportedFirst ? FleetErrorCode.StoreRegressed : "resolved");
      await run.close();
    }
  });

  test("a node that lags behind the records says nothing of a restore and may beat last: the node that noticed is read all the same", async () => {
    const a = await fleet.node("a", "b2-new");
    const lagging = new FollowGate();
    const b = await fleet.node("b", "b2-new", { controlPlane: hookedControlPlane(fleet.plane, { followGate: lagging }) });
    await fleet.coordinator.enableWrite(TYPE, 1, WHO);
    await fleet.settle();
    await Promise.all([a.heartbeat(), b.heartbeat()]);
    const backup = fleet.plane.backup();
    // b takes in nothing more: not v2, not the restore.
    lagging.hold();
    await fleet.coordinator.enableWrite(TYPE, 2, WHO);
    await fleet.settle();
    await a.heartbeat();
    restoreLog(backup);
    await fleet.settle();
    await b.heartbeat();
    expect([a.regressed !== null, b.regressed, a.writeLevel(TYPE), (await fleet.plane.lastBeat())?.key.nodeId]).toEqual([true, null, 2, "b"]);
    const refused = await typedFailure(fleet.node("old", "b1-old"));
    expect(refused.code).toBe(FleetErrorCode.StoreRegressed);
    expect(refused.message).toContain(`a@${a.incarnation.slice(0, 8)}`);
  });

  test("two processes under one node id hold records the store lost: the one that leaves last marked the id, and the other's heartbeat still refuses a join", async () => {
    const a1 = await fleet.node("a", "b2-new", { controlPlane: hushable() });
    await fleet.coordinator.enableWrite(TYPE, 1, WHO);
    const a2 = await fleet.node("a", "b2-new", { controlPlane: hushable() });
    const backup = fleet.plane.backup();
    await fleet.coordinator.enableWrite(TYPE, 2, WHO);
    await fleet.settle();
    await Promise.all([a1.heartbeat(), a2.heartbeat()]);
    quiet.hush();
    fleet.plane.restore(backup);
    await fleet.settle();
    const b = await fleet.node("b", "b2-new");
    quiet.clear();
    await a2.heartbeat();
    await a1.heartbeat();
    await b.heartbeat();
    await a1.stop();
    expect([a2.regressed !== null, a2.writeLevel(TYPE), (await fleet.plane.lastBeat())?.key.nodeId]).toEqual([true, 2, "b"]);
    const refused = await typedFailure(fleet.node("old", "b1-old"));
    expect(refused.code).toBe(FleetErrorCode.StoreRegressed);
    expect(refused.message).toContain(`a@${a2.incarnation.slice(0, 8)}`);
  });

  test("a marked node id whose heartbeat cannot be read refuses a join; one whose heartbeats show nothing does not", async () => {
    await fleet.node("a", "b2-new");
    await fleet.plane.markRegression("a");
    expect(await codeOf(fleet.node("n1", "b2-new"))).toBe("resolved");
    const ghost = { nodeId: "ghost", incarnation: "0123456789abcdef" };
    await fleet.plane.beat(ghost, utf8.encode("{not a record"), { expect: 0 });
    await fleet.node("n2", "b2-new").then((n2) => n2.heartbeat());
    await fleet.plane.markRegression("ghost");
    const refused = await typedFailure(fleet.node("n3", "b2-new"));
    expect(refused.code).toBe(FleetErrorCode.StoreRegressed);
    expect(refused.message).toContain("ghost@01234567 is marked as holding records the store lost, and its heartbeat cannot be read");
  });

  test("a node that holds records the store lost renews its lease only while its node id stays marked", async () => {
    const a = await restoredUnderV2Writer({ leaseMs: 10_000 });
    await a.heartbeat();
    // Stored, but its node id not marked: the lease runs out 10 s after the last heartbeat that was.
    fleet.clock.advance(5_000);
    quiet.hushed.add("markRegression");
    await a.heartbeat();
    expect((await fleet.plane.readBeat({ nodeId: "a", incarnation: a.incarnation }))?.at).toBe(fleet.clock.now());
    fleet.clock.advance(5_001);
    expect([a.regressed !== null, a.fenced]).toEqual([true, true]);
    quiet.clear();
    await a.heartbeat();
    expect(a.fenced).toBe(false);
  });

  test("at join, the last heartbeat stored is judged as coordinators judge members: another control plane, a later epoch or a revision the store lacks refuse; a report from before a reconcile does not", async () => {
    await fleet.node("a", "b2-new");
    await fleet.coordinator.enableWrite(TYPE, 1, WHO);
    const { id } = (await fleet.coordinator.status()).plane;
    if (id === null) throw new Error("the first change sets the control plane up");
    const { revision } = await storedRecord();
    const ghost = { nodeId: "ghost", incarnation: "0123456789abcdef" };
    let beat = 0;
    const reports = async (plane: { id: string; epoch: number }, applied: Record<string, number>, regressed: string | null = null): Promise<void> => {
      const record = { ...ghost, beat: beat + 1, leaseMs: 15_000, plane, applied, writes: {}, frames: {}, fenced: null, regressed, unreadable: [], held: {} };
      beat = await fleet.plane.beat(ghost, twostepRecordFormats.encode("heartbeat", record, 1), { expect: beat });
    };
    const cases: [string, { id: string; epoch: number }, Record<string, number>, string][] = [
      ["what the store holds", { id, epoch: 1 }, { [TYPE]: revision }, "resolved"],
      ["a revision the store lacks", { id, epoch: 1 }, { [TYPE]: revision + 100 }, FleetErrorCode.StoreRegressed],
      ["another control plane", { id: "another", epoch: 1 }, {}, FleetErrorCode.StoreRegressed],
      ["a later epoch", { id, epoch: 2 }, {}, FleetErrorCode.StoreRegressed],
    ];
    for (const [index, [what, plane, applied, code]] of cases.entries()) {
      await reports(plane, applied);
      expect(await codeOf(fleet.node(`n${index}`, "b2-new")), what).toBe(code);
    }
    await reports({ id, epoch: 1 }, {}, "the record went back");
    expect(await codeOf(fleet.node("before", "b2-new"))).toBe(FleetErrorCode.StoreRegressed);
    await fleet.coordinator.reconcile(WHO);
    expect((await fleet.coordinator.status()).plane.epoch).toBe(2);
    expect(await codeOf(fleet.node("after", "b2-new"))).toBe("resolved");
  });

  test("a coordinator that sees a member's heartbeat show the store went backwards marks its node id, so that joins read it though the node cannot say so", async () => {
    const { a, backup } = await underV2Writer();
    // a is cut off from the store; the log alone goes back, and another heartbeat, with nothing to say, is stored last.
    quiet.hush();
    restoreLog(backup);
    await fleet.settle();
    const ghost = { nodeId: "ghost", incarnation: "0123456789abcdef" };
    await fleet.plane.beat(ghost, twostepRecordFormats.encode("heartbeat", heartbeatRecord(ghost.nodeId, { incarnation: ghost.incarnation }), 1), {
      expect: 0,
    });
    expect([a.regressed !== null, await fleet.plane.regressionMarks()]).toEqual([true, []]);
    expect((await fleet.coordinatorOn().status()).plane.regressed.join()).toContain("which a member reports having applied");
    await vi.waitFor(async () => expect(await fleet.plane.regressionMarks()).toEqual(["a"]));
    const refused = await typedFailure(fleet.node("old", "b1-old"));
    expect(refused.code).toBe(FleetErrorCode.StoreRegressed);
    expect(refused.message).toContain(`a@${a.incarnation.slice(0, 8)}`);
  });

  test("the log restored to a copy from before a node joined, heartbeats kept: its heartbeat refuses changes until a reconcile, after which it registers again and counts", async () => {
    const a = await fleet.node("a", "b2-new");
    await fleet.coordinator.enableWrite(TYPE, 1, WHO);
    const backup = fleet.plane.backup();
    const b = await fleet.node("b", "b1-old");
    // Only the log goes back, as docs/nats.md advises: the heartbeats and marks are kept.
    restoreLog(backup);
    await fleet.settle();
    await Promise.all([a.heartbeat(), b.heartbeat()]);
    expect((await fleet.coordinator.status()).plane.regressed).toEqual([`b@${b.incarnation.slice(0, 8)} heartbeats, but the store has no member record of it`]);
    // The coordinator points joining nodes at its heartbeat too.
    await vi.waitFor(async () => expect(await fleet.plane.regressionMarks()).toContain("b"));
    expect(await codeOf(fleet.coordinatorOn().enableWrite(TYPE, 2, WHO))).toBe(FleetErrorCode.StoreRegressed);
    await fleet.coordinatorOn().reconcile(WHO);
    await vi.waitFor(async () => expect((await fleet.coordinator.status()).members.map((member) => member.nodeId).sort()).toEqual(["a", "b"]));
    expect((await fleet.coordinator.status()).plane.regressed).toEqual([]);
    // b counts again: v2, which it cannot read, is refused for it.
    expect(await codeOf(fleet.coordinatorOn().enableWrite(TYPE, 2, WHO))).toBe(FleetErrorCode.UnsafeChange);
  });

  test("the log restored to a copy from before a node joined and v2 was enabled, heartbeats kept: one reconcile keeps the v2 that node holds, and it takes it", async () => {
    // An empty fleet.
    await fleet.coordinator.enableWrite(TYPE, 1, { ...WHO, allowUndeclared: true });
    const backup = fleet.plane.backup();
    const b = await fleet.node("b", "b2-new");
    await fleet.coordinator.enableWrite(TYPE, 2, WHO);
    await fleet.settle();
    await b.heartbeat();
    restoreLog(backup);
    await fleet.settle();
    await b.heartbeat();
    expect([b.regressed !== null, b.writeLevel(TYPE), (await fleet.coordinator.status()).members]).toEqual([true, 2, []]);
    // b has no member record: its heartbeat, which carries what it holds, is read all the same.
    await fleet.coordinatorOn().reconcile(WHO);
    await fleet.settle();
    await b.heartbeat();
    expect([b.regressed, (await fleet.coordinator.status(TYPE)).capabilities[0]?.record?.everWritten]).toEqual([null, [1, 2]]);
    expect(await codeOf(fleet.node("old", "b1-old"))).toBe(FleetErrorCode.JoinRefused);
  });

  test("a node decommissioned while cut off is no member again after a reconcile, though compaction removed its member tombstone", async () => {
    const b = await fleet.node("b", "b1-old", { controlPlane: hushable(), leaseMs: 10_000 });
    await fleet.coordinator.enableWrite(TYPE, 1, WHO);
    quiet.hush();
    fleet.clock.advance(20_000);
    await fleet.coordinator.decommission("b", WHO);
    fleet.clock.advance(1);
    expect(await fleet.plane.compact(0)).toBeGreaterThan(0);
    await fleet.coordinatorOn().reconcile(WHO);
    await fleet.settle();
    await fleet.settle();
    expect(await fleet.plane.get({ kind: "member", nodeId: "b", incarnation: b.incarnation })).toBeUndefined();
    // Back in touch, its lease finds the decommission and fences it for good; a reconcile then leaves it out too.
    quiet.clear();
    await b.heartbeat();
    expect(b.fence?.message).toContain("decommissioned");
    await fleet.coordinatorOn().reconcile(WHO);
    await fleet.settle();
    await fleet.settle();
    expect((await fleet.coordinator.status()).members).toEqual([]);
    await fleet.coordinatorOn().enableWrite(TYPE, 2, { ...WHO, allowUndeclared: true });
  });

  test("a node that stops while it registers again after a reconcile stays gone", async () => {
    let release = (): void => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let holding = false;
    // Read at once, answered late: what it read may be stale by then.
    const plane = hookedControlPlane(fleet.plane, { afterGet: () => (holding ? held : undefined) });
    await fleet.coordinator.enableWrite(TYPE, 1, { ...WHO, allowUndeclared: true });
    const backup = fleet.plane.backup();
    const c = await fleet.node("c", "b2-new", { controlPlane: plane });
    await fleet.settle();
    // The log goes back to before c joined; c sees the reconcile, and its check of its registration is held.
    fleet.plane.restore({ ...fleet.plane.backup(), log: backup.log, revision: backup.revision });
    holding = true;
    await fleet.coordinatorOn().reconcile(WHO);
    await fleet.settle();
    const stopped = c.stop();
    release();
    await stopped;
    await fleet.settle();
    expect(await fleet.plane.get({ kind: "member", nodeId: "c", incarnation: c.incarnation })).toMatchObject({ tombstone: true });
  });

  test("a coordinator whose credentials may not mark stops asking", async () => {
    let asked = 0;
    const plane = hookedControlPlane(fleet.plane, {
      beforeMark: () => {
        asked++;
        throw new PermissionDeniedError("mark", "these credentials may not mark");
      },
    });
    const requester = fleet.coordinatorOn(plane);
    // A member cut off from the store reports what it lost: a coordinator would mark it.
    const { backup } = await underV2Writer();
    quiet.hush();
    restoreLog(backup);
    await fleet.settle();
    for (let read = 0; read < 3; read++) expect((await requester.status()).plane.regressed.length).toBeGreaterThan(0);
    await vi.waitFor(() => expect(asked).toBe(1));
    await requester.status();
    expect(asked).toBe(1);
  });

  test("a store replaced by an empty one (lost and recreated) is noticed from what nodes report", async () => {
    const a = await fleet.node("a", "b2-new");
    await fleet.coordinator.enableWrite(TYPE, 2, WHO);
    await fleet.settle();
    await a.heartbeat();
    fleet.plane.restore({ log: [], beats: [], marks: new Map(), revision: 0 });
    await fleet.settle();
    await a.heartbeat();
    expect(a.regressed).not.toBeNull();
    expect(await codeOf(fleet.coordinator.enableWrite(TYPE, 2, WHO))).toBe(FleetErrorCode.StoreRegressed);
    await fleet.coordinator.reconcile(WHO);
    await fleet.settle();
    expect((await fleet.coordinator.status(TYPE)).capabilities[0]?.record).toMatchObject({ level: 2, everWritten: [2] });
  });

  test("a store recreated, set up again and changed before a node said so: none of the new control plane's records is taken before its reconcile, which keeps v2", async () => {
    const a = await fleet.node("a", "b2-new", { controlPlane: hushable() });
    await fleet.coordinator.enableWrite(TYPE, 1, WHO);
    await fleet.coordinator.enableWrite(TYPE, 2, WHO);
    await fleet.settle();
    await a.heartbeat();
    const held = a.appliedRevision(TYPE);
    quiet.hush();
    fleet.plane.restore({ log: [], beats: [], marks: new Map(), revision: 0 });
    await fleet.settle();
    const manager = fleet.coordinatorOn();
    await manager.init(WHO);
    await manager.enableWrite(TYPE, 1, { ...WHO, allowUndeclared: true });
    // The new control plane's record, at epoch 1 as a's, goes past a's revision (never at it).
    for (let drain = 1_000; (await fleet.plane.read("records")).position <= held; drain++) {
      if ((await fleet.plane.read("records")).position + 1 === held) await fleet.plane.append({ kind: "controller" }, utf8.encode("{}"));
      else await manager.change(TYPE, { kind: "policy", drainWindowMs: drain }, WHO);
    }
    await fleet.settle();
    expect([a.appliedRevision(TYPE), a.record(TYPE)?.everWritten]).toEqual([held, [1, 2]]);
    quiet.clear();
    await a.heartbeat();
    expect(await codeOf(fleet.node("old", "b1-old"))).toBe(FleetErrorCode.StoreRegressed);
    await manager.reconcile(WHO);
    await fleet.settle();
    await a.heartbeat();
    expect([a.regressed, (await manager.status(TYPE)).capabilities[0]?.record?.everWritten]).toEqual([null, [1, 2]]);
    expect(await codeOf(fleet.node("old", "b1-old"))).toBe(FleetErrorCode.JoinRefused);
  });

  test("a store recreated and set up again before a node said so: the node follows the new control plane once a reconcile keeps what it holds, and not before", async () => {
    const a = await fleet.node("a", "b2-new", { controlPlane: hushable() });
    await fleet.coordinator.enableWrite(TYPE, 1, WHO);
    await fleet.coordinator.enableWrite(TYPE, 2, WHO);
    await fleet.settle();
    await a.heartbeat();
    const lost = (await fleet.coordinator.status()).plane.id;
    // Lost and recreated; a release manager sets it up again (another control plane id) before a's heartbeat gets through.
    quiet.hush();
    fleet.plane.restore({ log: [], beats: [], marks: new Map(), revision: 0 });
    await fleet.settle();
    const manager = fleet.coordinatorOn();
    const { planeId } = await manager.init(WHO);
    expect(planeId).not.toBe(lost);
    quiet.clear();
    await a.heartbeat();
    await a.heartbeat();
    expect(a.regressed).toContain("the control plane was replaced");
    expect(await codeOf(manager.enableWrite(TYPE, 1, WHO))).toBe(FleetErrorCode.StoreRegressed);
    expect(await codeOf(fleet.node("old", "b1-old"))).toBe(FleetErrorCode.StoreRegressed);
    // The reconcile has what a holds (its heartbeat carries it), and keeps the new control plane: a takes it.
    await manager.reconcile(WHO);
    await fleet.settle();
    await a.heartbeat();
    expect([a.regressed, a.writeLevel(TYPE)]).toEqual([null, 2]);
    const status = await manager.status(TYPE);
    expect([status.plane.id, status.plane.regressed, status.members.map((member) => member.nodeId)]).toEqual([planeId, [], ["a"]]);
    expect(status.capabilities[0]?.record).toMatchObject({ level: 2, everWritten: [1, 2] });
    await manager.change(TYPE, { kind: "policy", drainWindowMs: 1_000 }, WHO);
    expect(await codeOf(fleet.node("old", "b1-old"))).toBe(FleetErrorCode.JoinRefused);
  });
});

describe("11.4 the audit is written with the change", () => {
  test("every write of a record carries its change note, intents and withdrawals included, so a coordinator dying after a commit leaves it recorded", async () => {
    await fleet.node("a", "b2-new");
    await fleet.coordinator.enableWrite(TYPE, 1, WHO);
    const history = await fleet.coordinator.history({ capability: TYPE });
    expect(history.map((entry) => [entry.note.action, entry.note.actor, entry.after?.level ?? null])).toEqual([
      ["intent", "alice", null],
      ["enable-write", "alice", 1],
    ]);
    for (const entry of (await fleet.plane.history({ capability: TYPE })).filter((stored) => stored.key.kind === "level")) {
      expect(new TextDecoder().decode(entry.value)).toContain('"change":{');
    }
  });

  test("an actor or reason too long is refused before anything changes", async () => {
    await fleet.node("a", "b2-new");
    const before = (await fleet.plane.history()).length;
    expect(await codeOf(fleet.coordinator.enableWrite(TYPE, 1, { actor: "x".repeat(120_000), reason: "" }))).toBe(FleetErrorCode.InvalidRequest);
    expect(await codeOf(fleet.coordinator.enableWrite(TYPE, 1, { actor: "alice", reason: "y".repeat(120_000) }))).toBe(FleetErrorCode.InvalidRequest);
    expect((await fleet.plane.history()).length).toBe(before);
  });
});
