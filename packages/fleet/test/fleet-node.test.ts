import { CoreErrorCode, isTwostepError } from "@twostep/core";
import { type DeadLetter, type FencedError, FleetErrorCode, RECORD_FORMAT_CAPABILITY, type WriteLevelRecord } from "@twostep/fleet";
import { twostepRecordFormats } from "@twostep/fleet/internal";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { protocolReading } from "./support/builds.js";
import { FleetHarness, TYPE, WHO } from "./support/fleet-harness.js";
import { failure } from "./support/outcomes.js";

describe("FleetNode", () => {
  let fleet: FleetHarness;

  beforeEach(() => {
    fleet = new FleetHarness();
  });

  afterEach(() => fleet.close());

  test("registers its incarnation, its build once and a heartbeat; leaves with tombstones on stop", async () => {
    const a = await fleet.node("a", "b2-new");
    const b = await fleet.node("b", "b2-new");
    const view = (await fleet.plane.read("fleet")).entries;
    expect(view.filter((entry) => entry.key.kind === "build")).toHaveLength(1);
    expect(view.filter((entry) => entry.key.kind === "member" && !entry.tombstone)).toHaveLength(2);
    expect(await fleet.plane.readBeat({ nodeId: "a", incarnation: a.incarnation })).toMatchObject({ tombstone: false });
    await a.stop();
    expect(await fleet.plane.get({ kind: "member", nodeId: "a", incarnation: a.incarnation })).toMatchObject({ tombstone: true });
    expect(await fleet.plane.readBeat({ nodeId: "a", incarnation: a.incarnation })).toMatchObject({ tombstone: true });
    expect((await fleet.coordinator.status()).members.map((member) => member.nodeId)).toEqual(["b"]);
    expect(b.fenced).toBe(false);
  });

  test("a lease not below the heartbeat TTL is refused before anything is written: the heartbeat, or a mark, would expire while the node writes", async () => {
    const refused = await failure(fleet.node("a", "b2-new", { leaseMs: fleet.plane.beatTtlMs }));
    expect(isTwostepError(refused, FleetErrorCode.InvalidRequest)).toBe(true);
    expect(refused.message).toContain(`a lease of ${fleet.plane.beatTtlMs} ms is not below the control plane's heartbeat TTL`);
    expect((await fleet.plane.read("fleet")).entries).toEqual([]);
    await fleet.node("b", "b2-new", { leaseMs: fleet.plane.beatTtlMs - 1 });
  });

  test("writes are closed until a level is enabled, with an error that names the command to run", async () => {
    const a = await fleet.node("a", "b2-new");
    let error: unknown;
    try {
      a.encode(TYPE, { id: "o1", v: 2 });
    } catch (caught) {
      error = caught;
    }
    expect(isTwostepError(error, CoreErrorCode.CannotWriteVersion)).toBe(true);
    expect(String(error)).toContain(`twostep enable-write ${TYPE}`);
    await fleet.coordinator.enableWrite(TYPE, 1, WHO);
    await fleet.settle();
    expect(a.writeLevel(TYPE)).toBe(1);
  });

  test("follows changes as they are committed, and never writes a level that is only an intent", async () => {
    const a = await fleet.node("a", "b3-next");
    const seen: number[] = [];
    await fleet.coordinator.enableWrite(TYPE, 1, WHO);
    await fleet.settle();
    const record = a.record(TYPE);
    if (record === undefined) throw new Error("no record");
    // An intent towards v2, as a coordinator writes it before its second check.
    await fleet.plane.append(
      { kind: "level", capability: TYPE },
      new TextEncoder().encode(JSON.stringify({ format: 1, ...record, intent: { levels: [2], retiring: [], id: "i", at: 0, actor: "bob", reason: "" } })),
    );
    await fleet.settle();
    expect(a.record(TYPE)?.intent?.levels).toEqual([2]);
    for (let index = 0; index < 20; index++) seen.push(a.writeLevel(TYPE, { key: `k${index}` }));
    expect(new Set(seen)).toEqual(new Set([1]));
  });

  test("a build that cannot write the write level falls back to the nearest lower level every member reads, never above", async () => {
    const zstd = "compression.zstd";
    const narrow = await fleet.node("narrow", "b2-new", { features: { [zstd]: { reads: { min: 0, max: 2 }, writes: { min: 0, max: 1 } } } });
    await fleet.node("wide", "b2-new", { features: { [zstd]: { reads: { min: 0, max: 2 }, writes: { min: 0, max: 2 } } } });
    await fleet.coordinator.enableWrite(zstd, 0, WHO);
    await fleet.coordinator.enableWrite(zstd, 1, WHO);
    // v2 is refused while `narrow` cannot write it: it would keep writing v1.
    const plan = await fleet.coordinator.change(zstd, { kind: "enable-write", level: 2 }, WHO, { dryRun: true });
    expect(plan.blockers.map((blocker) => [blocker.nodeId, blocker.reason])).toEqual([["narrow", "keeps-writing"]]);
    await expect(fleet.coordinator.enableWrite(zstd, 2, WHO)).rejects.toMatchObject({ code: FleetErrorCode.UnsafeChange });
    await fleet.settle();
    expect(narrow.writeLevel(zstd)).toBe(1);
  });

  test("ramps choose writes by key (the same keys on every node), by node, and by labels", async () => {
    const a = await fleet.node("a", "b2-new", { labels: { zone: "a" } });
    const b = await fleet.node("b", "b2-new", { labels: { zone: "b" } });
    await fleet.coordinator.enableWrite(TYPE, 1, WHO);
    await fleet.coordinator.enableWrite(TYPE, 2, { ...WHO, percent: 30 });
    await fleet.settle();
    const keys = Array.from({ length: 200 }, (_, index) => `order-${index}`);
    const onA = keys.map((key) => a.writeLevel(TYPE, { key }));
    expect(keys.map((key) => b.writeLevel(TYPE, { key }))).toEqual(onA);
    const share = onA.filter((level) => level === 2).length / keys.length;
    expect(share).toBeGreaterThan(0.15);
    expect(share).toBeLessThan(0.45);
    // Raising the share only adds keys: a key never flips back.
    await fleet.coordinator.enableWrite(TYPE, 2, { ...WHO, percent: 60 });
    await fleet.settle();
    keys.forEach((key, index) => {
      if (onA[index] === 2) expect(a.writeLevel(TYPE, { key })).toBe(2);
    });
    await fleet.coordinator.enableWrite(TYPE, 2, { ...WHO, percent: 100, where: { zone: ["a"] } });
    await fleet.settle();
    expect(new Set(keys.map((key) => a.writeLevel(TYPE, { key })))).toEqual(new Set([2]));
    expect(new Set(keys.map((key) => b.writeLevel(TYPE, { key })))).toEqual(new Set([1]));
  });

  test("a frame that cannot be decoded goes to the dead-letter hook, counted under the version on the wire when the type is known", async () => {
    const letters: DeadLetter[] = [];
    const reader = await fleet.node("a", "b1-old", { onDeadLetter: (letter) => letters.push(letter) });
    const v2 = protocolReading(1, 2).type(TYPE).encode({ id: "o1", v: 2 }, 2);
    const far = protocolReading(1, 200).type(TYPE).encode({ id: "o1", v: 2 }, 200);
    expect(reader.decode(v2)).toBeUndefined();
    expect(reader.decode(far)).toBeUndefined();
    expect(reader.decode(new Uint8Array([0x87, 0x01]))).toBeUndefined();
    expect(letters.map((letter) => letter.error.code)).toEqual([CoreErrorCode.UnknownVersion, CoreErrorCode.UnknownVersion, CoreErrorCode.CorruptFrame]);
    expect(reader.metrics()[TYPE]).toEqual({ "2": [0, 0, 1], "?": [0, 0, 1] });
  });

  test("counts frames per type and level however they alternate, and its heartbeat says how long ago each level was written", async () => {
    const node = await fleet.node("a", "b2-new");
    await fleet.coordinator.enableWrite(TYPE, 1, WHO);
    await fleet.settle();
    const v1 = node.encode(TYPE, { id: "o1", v: 2 });
    fleet.clock.advance(1_000);
    expect(() => node.encode(TYPE, { id: 7 } as never)).toThrow();
    fleet.clock.advance(500);
    for (const frame of [v1, protocolReading(1, 2).type(TYPE).encode({ id: "o2", v: 2 }, 2), v1, new Uint8Array([1])]) node.decode(frame);
    node.encode(TYPE, { id: "o3", v: 2 });
    expect(node.metrics()[TYPE]).toEqual({ "1": [2, 2, 0], "2": [1, 0, 0] });
    expect(node.metrics()["?"]).toEqual({ "?": [0, 0, 1] });
    fleet.clock.advance(250);
    await node.heartbeat();
    const beat = await fleet.plane.readBeat({ nodeId: "a", incarnation: node.incarnation });
    const record = JSON.parse(new TextDecoder().decode(beat?.value)) as { writes: Record<string, Record<string, number>> };
    // The failed encode counted as a write too; the last write was 250 ms before the heartbeat.
    expect(record.writes).toEqual({ [TYPE]: { "1": 250 } });
  });

  test("a throwing hook never crashes the node", async () => {
    const reader = await fleet.node("a", "b1-old", {
      onDeadLetter: () => {
        throw new Error("hook bug");
      },
      onWriteLevel: () => {
        throw new Error("hook bug");
      },
    });
    expect(reader.decode(new Uint8Array([1, 2, 3]))).toBeUndefined();
    await fleet.coordinator.enableWrite(TYPE, 1, WHO);
    await fleet.settle();
    expect(reader.writeLevel(TYPE)).toBe(1);
  });

  test("replies at the highest version the requester reads and the responder writes", async () => {
    const next = await fleet.node("next", "b3-next");
    expect(next.replyVersion(TYPE, { min: 1, max: 2 })).toBe(2);
    expect(next.replyVersion(TYPE, { min: 1, max: 9 })).toBe(3);
    expect(() => next.replyVersion(TYPE, { min: 7, max: 9 })).toThrow(/cannot write/);
    const frame = next.encodeReply(TYPE, { id: "o", v: 3 }, { min: 1, max: 1 });
    expect(protocolReading(1, 1).decode(frame).version).toBe(1);
  });

  test("a node whose heartbeat a release manager fenced stops writing for good", async () => {
    const fenced: FencedError[] = [];
    const a = await fleet.node("a", "b2-new", { onFenced: (error) => fenced.push(error) });
    await fleet.coordinator.enableWrite(TYPE, 1, WHO);
    const beat = await fleet.plane.readBeat({ nodeId: "a", incarnation: a.incarnation });
    await fleet.plane.beat({ nodeId: "a", incarnation: a.incarnation }, new Uint8Array(), { expect: beat?.revision ?? 0, tombstone: true });
    await a.heartbeat();
    expect(a.fenced).toBe(true);
    expect(fenced.map((error) => error.why)).toEqual(["it was decommissioned"]);
    expect(() => a.writeLevel(TYPE)).toThrow(/decommissioned/);
  });

  test("a record that requires a level the build cannot read fences it until no record does: each record judged as it changes", async () => {
    const a = await fleet.node("a", "b1-old");
    await fleet.coordinator.enableWrite(TYPE, 1, WHO);
    await fleet.coordinator.enableWrite(RECORD_FORMAT_CAPABILITY, 1, WHO);
    // Records no coordinator would write while a reads only v1 (and record format 1): a store restored from elsewhere, say.
    const rewrite = async (capability: string, change: (record: WriteLevelRecord) => WriteLevelRecord) => {
      const stored = await fleet.plane.get({ kind: "level", capability });
      const decoded = stored === undefined ? undefined : twostepRecordFormats.decode("level", stored.value);
      if (stored === undefined || decoded?.ok !== true) throw new Error(`no record of ${capability}`);
      await fleet.plane.append({ kind: "level", capability }, twostepRecordFormats.encode("level", change(decoded.value), 1), { expect: stored.revision });
      await fleet.settle();
    };
    const require2 = (record: WriteLevelRecord): WriteLevelRecord => ({ ...record, level: 2, everWritten: [1, 2], retired: [] });
    const back1 = (record: WriteLevelRecord): WriteLevelRecord => ({ ...record, level: 1, everWritten: [1, 2], retired: [2] });
    await rewrite(TYPE, require2);
    expect(a.fence?.why).toMatch(/requires orders\.OrderPlaced v2/);
    await rewrite(RECORD_FORMAT_CAPABILITY, require2);
    expect(a.fenced).toBe(true);
    await rewrite(TYPE, back1);
    expect(a.fence?.why).toMatch(/requires twostep\.records v2/);
    await rewrite(RECORD_FORMAT_CAPABILITY, back1);
    expect(a.fenced).toBe(false);
    expect(a.writeLevel(TYPE)).toBe(1);
  });
});
