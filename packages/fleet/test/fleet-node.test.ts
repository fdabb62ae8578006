import { CoreErrorCode, encodeEnvelopeHead, isTwostepError } from "@twostep/core";
import { Coordinator, FleetErrorCode, MemoryControlPlane, RampGuard, startNode, type DeadLetter, type FleetNode, type NodeOptions } from "@twostep/fleet";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { protocolOf, protocolReading, type BuildId } from "./support/builds.js";
import { FakeClock } from "./support/fake-clock.js";

const TYPE = "orders.OrderPlaced";
const who = { actor: "alice", reason: "test" };

describe("FleetNode", () => {
  let clock: FakeClock;
  let plane: MemoryControlPlane;
  let coordinator: Coordinator;
  const nodes: FleetNode[] = [];

  async function node(nodeId: string, build: BuildId, options: Partial<NodeOptions> = {}): Promise<FleetNode> {
    const started = await startNode({ controlPlane: plane, protocol: protocolOf(build), nodeId, service: "orders", build, heartbeatMs: 1e9, ...options });
    nodes.push(started);
    return started;
  }

  beforeEach(() => {
    clock = new FakeClock();
    plane = new MemoryControlPlane({ clock: clock.now });
    coordinator = new Coordinator(plane);
  });

  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((started) => started.stop()));
  });

  test("advertises every message type and declared feature, and leaves cleanly on stop", async () => {
    const started = await node("a", "b2-new", { features: { "compression.zstd": { reads: { min: 0, max: 1 }, writes: { min: 0, max: 1 } } } });
    const seen = await plane.getAdvertisement("a");
    expect(seen?.advertisement.capabilities).toEqual({
      [TYPE]: { reads: { min: 1, max: 2 }, writes: { min: 1, max: 2 } },
      "compression.zstd": { reads: { min: 0, max: 1 }, writes: { min: 0, max: 1 } },
    });
    expect(seen?.seenAt).toBe(clock.now());
    expect(await plane.getMember("a")).toMatchObject({ nodeId: "a", service: "orders", build: "b2-new" });
    await started.stop();
    expect(await plane.getMember("a")).toBeUndefined();
    expect(await plane.getAdvertisement("a")).toBeUndefined();
  });

  test("a frame that cannot be decoded goes to the dead-letter hook with its typed error, and is counted", async () => {
    const letters: DeadLetter[] = [];
    const reader = await node("a", "b1-old", { onDeadLetter: (letter) => letters.push(letter) });
    const writer = await node("b", "b2-new");
    await coordinator.enableWrite(TYPE, 1, who);
    const v2 = protocolReading(1, 2).type(TYPE).encode({ id: "o1", v: 2 }, 2);
    const garbage = new Uint8Array([0x87, 0x01]);
    expect(reader.decode(v2)).toBeUndefined();
    expect(reader.decode(garbage)).toBeUndefined();
    expect(reader.decode(writer.encode(TYPE, { id: "o2", v: 2 }))?.value).toEqual({ id: "o2", v: 1 });
    expect(letters.map((letter) => letter.error.code)).toEqual([CoreErrorCode.UnknownVersion, CoreErrorCode.CorruptFrame]);
    expect(letters[0]?.frame).toBe(v2);
    expect(reader.metrics()).toEqual({
      [TYPE]: { read: { 1: 1 }, written: {}, failed: { "?": 1 } },
      "?": { read: {}, written: {}, failed: { "?": 1 } },
    });
    expect(writer.metrics()[TYPE]?.written).toEqual({ 1: 1 });
  });

  test("a throwing dead-letter hook does not crash the node", async () => {
    const reader = await node("a", "b1-old", {
      onDeadLetter: () => {
        throw new Error("hook bug");
      },
    });
    expect(reader.decode(new Uint8Array([1, 2, 3]))).toBeUndefined();
  });

  test("replies at the highest version the requester reads and the responder writes", async () => {
    const old = await node("old", "b1-old");
    const next = await node("next", "b3-next");
    await coordinator.enableWrite(TYPE, 1, who);
    expect(next.replyVersion(TYPE, { min: 1, max: 2 })).toBe(2);
    expect(next.replyVersion(TYPE, { min: 1, max: 9 })).toBe(3);
    const reply = await next.encodeReply(TYPE, { id: "r", v: 3 }, "old");
    expect(old.decode(reply)?.version).toBe(1);
    const unknownRequester = await next.encodeReply(TYPE, { id: "r", v: 3 }, "gone");
    expect(next.decode(unknownRequester)?.version).toBe(1);
    const refusal = (() => {
      try {
        return old.replyVersion(TYPE, { min: 2, max: 3 });
      } catch (error) {
        return error;
      }
    })();
    expect(isTwostepError(refusal, CoreErrorCode.CannotWriteVersion)).toBe(true);
  });

  test("a node-level canary puts whole nodes on the ramp target", async () => {
    const fleet = await Promise.all(Array.from({ length: 40 }, (_, index) => node(`n${index}`, "b2-new")));
    await coordinator.enableWrite(TYPE, 1, who);
    await coordinator.enableWrite(TYPE, 2, { ...who, percent: 25, by: "node" });
    await Promise.resolve();
    for (const member of fleet) {
      const levels = new Set(Array.from({ length: 20 }, (_, index) => member.writeLevel(TYPE, { key: `k${index}` })));
      expect(levels.size).toBe(1);
    }
    const canaries = fleet.filter((member) => member.writeLevel(TYPE) === 2).length;
    expect(canaries).toBeGreaterThan(3);
    expect(canaries).toBeLessThan(20);
  });

  test("a build that cannot write the fleet's level falls back to the highest required level it writes", async () => {
    const narrow = protocolReading(1, 2, { minWrite: 2 });
    const started = await startNode({ controlPlane: plane, protocol: narrow, nodeId: "narrow", service: "orders", build: "narrow", heartbeatMs: 1e9 });
    nodes.push(started);
    await coordinator.enableWrite(TYPE, 2, who);
    await coordinator.disableWrite(TYPE, { to: 1, ...who });
    await Promise.resolve();
    expect(started.writeLevel(TYPE)).toBe(2);
  });

  test("a node decommissioned while it could not heartbeat fences itself when it is heard again", async () => {
    const fenced: string[] = [];
    const lost = await node("lost", "b2-new", { onFenced: (error) => fenced.push(error.code) });
    clock.advance(20_000);
    await coordinator.decommission("lost", { actor: "ops", reason: "host unreachable" });
    await lost.heartbeat();
    expect(lost.fenced).toBe(true);
    expect(fenced).toEqual([FleetErrorCode.Fenced]);
    expect(() => lost.encode(TYPE, { id: "x", v: 2 })).toThrow(/fenced/);
  });

  test("the ramp guard reverts a ramp whose target fails to decode too often, and records why", async () => {
    const writer = await node("w", "b2-new");
    const reader = await node("r", "b2-new");
    await coordinator.enableWrite(TYPE, 1, who);
    await coordinator.enableWrite(TYPE, 2, { ...who, percent: 50 });
    const guard = new RampGuard(coordinator, plane, { threshold: 0.05, minFrames: 20 });
    expect(await guard.check()).toEqual([{ capability: TYPE, level: 2, read: 0, failed: 0, reverted: false }]);
    const bad = new Uint8Array([0x87, 0x01, 0x02, 0xff]);
    for (let index = 0; index < 40; index++) reader.decode(writer.encode(TYPE, { id: `o${index}`, v: 2 }, { key: `o${index}` }));
    for (let index = 0; index < 5; index++) reader.decode(bad);
    await Promise.all([writer.heartbeat(), reader.heartbeat()]);
    const [verdict] = await guard.check();
    expect(verdict).toMatchObject({ reverted: true, failed: 5 });
    expect((await plane.getLevel(TYPE))?.value.ramp).toBeNull();
    const [last] = await coordinator.history({ limit: 1 });
    expect(last).toMatchObject({ action: "guard-revert", actor: "guard" });
    expect(last?.reason).toMatch(/v2 frames failed to decode \(5 of \d+\)/);
  });

  test("status shows readers per level, member states and the blockers of the next level", async () => {
    await node("a", "b2-new");
    await node("b", "b1-old");
    await coordinator.enableWrite(TYPE, 1, who);
    const status = await coordinator.status();
    const capability = status.capabilities.find((entry) => entry.capability === TYPE);
    expect(capability).toMatchObject({ next: 2, readers: { 1: 2, 2: 1 }, required: [1] });
    expect(capability?.blockers.map((blocker) => [blocker.nodeId, blocker.reason])).toEqual([["b", "no-reader"]]);
    expect(status.members.map((member) => [member.nodeId, member.state])).toEqual([
      ["a", "live"],
      ["b", "live"],
    ]);
    const plan = await coordinator.plan(TYPE, 2, { percent: 10 });
    expect(plan).toMatchObject({ request: "enable v2 at 10% by key", newlyRequired: [2], changes: true });
    expect(plan.blockers).toHaveLength(1);
    expect((await plane.getLevel(TYPE))?.value.ramp).toBeNull();
  });

  test("watch streams every change recorded by any coordinator", async () => {
    await node("a", "b2-new");
    const seen: string[] = [];
    const subscription = await coordinator.watch((entry) => seen.push(`${entry.action} ${entry.request}`));
    await new Coordinator(plane).enableWrite(TYPE, 1, who);
    await coordinator.enableWrite(TYPE, 2, { ...who, percent: 10 });
    await Promise.resolve();
    await subscription.stop();
    await coordinator.disableWrite(TYPE, who);
    await Promise.resolve();
    expect(seen).toEqual(["enable-write enable v1", "enable-write enable v2 at 10% by key"]);
  });

  test("onWriteLevel hears each newer record the node applies, in revision order; a throwing hook is logged and changes nothing", async () => {
    const heard: { level: number; intent: boolean; revision: number }[] = [];
    const follower = await node("a", "b2-new", {
      onWriteLevel: (record, revision) => heard.push({ level: record.level, intent: record.intent !== null, revision }),
    });
    const logged: { msg: string; err?: { message: string } }[] = [];
    const logger = pino({ level: "error" }, { write: (line: string) => void logged.push(JSON.parse(line)) });
    const thrower = await node("b", "b2-new", {
      logger,
      onWriteLevel: () => {
        throw new Error("hook bug");
      },
    });
    await coordinator.enableWrite(TYPE, 1, who);
    const enabled = await plane.getLevel(TYPE);
    await coordinator.enableWrite(TYPE, 2, who);
    const current = await plane.getLevel(TYPE);
    // Enabling a level goes through an intent: the hook hears both commits of each change.
    expect(heard.map(({ level, intent }) => [level, intent])).toEqual([
      [1, true],
      [1, false],
      [1, true],
      [2, false],
    ]);
    expect(heard.map(({ revision }) => revision)).toContain(enabled?.revision);
    expect(heard.at(-1)?.revision).toBe(current?.revision);
    expect([...heard.map(({ revision }) => revision)].sort((x, y) => x - y)).toEqual(heard.map(({ revision }) => revision));
    expect(follower.writeLevel(TYPE)).toBe(2);
    expect(thrower.writeLevel(TYPE)).toBe(2);
    expect(logged.filter((line) => line.msg === "write-level hook failed").map((line) => line.err?.message)).toEqual([
      "hook bug",
      "hook bug",
      "hook bug",
      "hook bug",
    ]);
  });
});

describe("failure counters", () => {
  test("failed frames of versions or types this build does not know are counted in one `?` bucket", async () => {
    const plane = new MemoryControlPlane();
    const reader = await startNode({
      controlPlane: plane,
      protocol: protocolOf("b2-new"),
      nodeId: "r",
      service: "orders",
      build: "b2-new",
      heartbeatMs: 1e9,
      onDeadLetter: () => {},
    });
    const v2 = protocolReading(1, 2).type(TYPE);
    for (let version = 3; version < 1_000; version++) reader.decode(encodeEnvelopeHead(1, version));
    reader.decode(new Uint8Array([0x87, 0x01, 0x02, 0xff]));
    reader.decode(v2.encode({ id: "x", v: 2 }, 2));
    expect(reader.metrics()[TYPE]).toEqual({ read: { 2: 1 }, written: {}, failed: { "?": 997, 2: 1 } });
    await reader.stop();
  });
});
