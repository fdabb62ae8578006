import { isTwostepError } from "@twostep/core";
import { Coordinator, FleetErrorCode, MemoryControlPlane, startNode, type FleetNode } from "@twostep/fleet";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { protocolOf, type BuildId } from "./support/builds.js";
import { FakeClock } from "./support/fake-clock.js";

const TYPE = "orders.OrderPlaced";
const who = { actor: "alice", reason: "test" };

describe("Coordinator", () => {
  let clock: FakeClock;
  let plane: MemoryControlPlane;
  let coordinator: Coordinator;
  const nodes: FleetNode[] = [];

  async function node(nodeId: string, build: BuildId): Promise<FleetNode> {
    const started = await startNode({ controlPlane: plane, protocol: protocolOf(build), nodeId, service: "orders", build, heartbeatMs: 1e9 });
    nodes.push(started);
    return started;
  }

  beforeEach(() => {
    clock = new FakeClock();
    plane = new MemoryControlPlane({ clock: clock.now });
    coordinator = new Coordinator(plane, { drainWindowMs: 60_000 });
  });

  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((started) => started.stop()));
  });

  test("refuses to enable a level that a member cannot read, listing the blocker", async () => {
    await node("a", "b2-new");
    await node("b", "b1-old");
    await coordinator.enableWrite(TYPE, 1, who);
    const refusal = await coordinator.enableWrite(TYPE, 2, who).catch((error: unknown) => error);
    expect(isTwostepError(refusal, FleetErrorCode.UnsafeChange)).toBe(true);
    expect((refusal as { blockers: { nodeId: string; reason: string }[] }).blockers).toEqual([
      expect.objectContaining({ nodeId: "b", reason: "no-reader", level: 2 }),
    ]);
    expect((refusal as Error).message).toContain("deploy a build that reads v2");
    expect((await plane.getLevel(TYPE))?.value.level).toBe(1);
    const history = await coordinator.history({ capability: TYPE });
    expect(history.map((entry) => entry.action)).toEqual(["enable-write", "refused"]);
    expect(history[1]?.blockers).toHaveLength(1);
  });

  test("enables once every member reads the level, and nodes follow it", async () => {
    const a = await node("a", "b2-new");
    await coordinator.enableWrite(TYPE, 1, who);
    await node("b", "b2-new");
    const change = await coordinator.enableWrite(TYPE, 2, { actor: "alice", reason: "v2 readers shipped" });
    expect(change.changed).toBe(true);
    expect(change.after?.value).toMatchObject({ level: 2, everWritten: [1, 2], levelSetBy: "alice", intent: null });
    await Promise.resolve();
    expect(a.writeLevel(TYPE)).toBe(2);
    const frame = a.encode(TYPE, { id: "o1", v: 2 });
    expect(a.decode(frame)?.version).toBe(2);
    const entry = change.audit;
    expect(entry).toMatchObject({ action: "enable-write", actor: "alice", reason: "v2 readers shipped", revisionBefore: change.before?.revision });
    expect(entry?.revisionAfter).toBeGreaterThan(entry?.revisionBefore ?? Infinity);
  });

  test("a stale member blocks enabling, and decommissioning it unblocks", async () => {
    await node("a", "b2-new");
    const b = await node("b", "b2-new");
    await coordinator.enableWrite(TYPE, 1, who);
    clock.advance(20_000);
    await nodes[0]?.heartbeat();
    const refusal = await coordinator.enableWrite(TYPE, 2, who).catch((error: unknown) => error);
    expect((refusal as { blockers: { nodeId: string; reason: string }[] }).blockers).toEqual([expect.objectContaining({ nodeId: "b", reason: "stale" })]);
    nodes.splice(nodes.indexOf(b), 1);
    await coordinator.decommission("b", { actor: "ops", reason: "host is gone" });
    await coordinator.enableWrite(TYPE, 2, who);
    expect((await plane.getLevel(TYPE))?.value.level).toBe(2);
  });

  test("refuses to decommission a live node", async () => {
    await node("a", "b2-new");
    const refusal = await coordinator.decommission("a", who).catch((error: unknown) => error);
    expect(isTwostepError(refusal, FleetErrorCode.UnsafeChange)).toBe(true);
    expect((refusal as Error).message).toContain("stop it first");
    expect(await plane.getMember("a")).toBeDefined();
  });

  test("the join guard refuses a build that cannot read an ever-written level, saying who set it and the ways out", async () => {
    await node("a", "b2-new");
    await coordinator.enableWrite(TYPE, 1, who);
    await coordinator.enableWrite(TYPE, 2, { actor: "alice", reason: "rollout" });
    await coordinator.disableWrite(TYPE, { actor: "alice", reason: "rollback" });
    const refusal = await node("old", "b1-old").catch((error: unknown) => error);
    expect(isTwostepError(refusal, FleetErrorCode.JoinRefused)).toBe(true);
    const message = (refusal as Error).message;
    expect(message).toContain("the fleet writes v1");
    expect(message).toContain("v2 (written before and not retired)");
    expect(message).toContain("set by alice");
    expect(message).toContain("twostep disable-write");
    expect(message).toContain("deploy a build that reads v2");
    expect(await plane.getMember("old")).toBeUndefined();
    expect(await plane.getAdvertisement("old")).toBeUndefined();
  });

  test("rollback keeps the level ever-written until it is retired after the drain window", async () => {
    await node("a", "b3-next");
    await coordinator.enableWrite(TYPE, 1, who);
    await coordinator.enableWrite(TYPE, 2, who);
    await coordinator.disableWrite(TYPE, { to: 1, ...who });
    let record = (await plane.getLevel(TYPE))?.value;
    expect(record).toMatchObject({ level: 1, everWritten: [1, 2], retired: [] });
    const early = await coordinator.retire(TYPE, 2, who).catch((error: unknown) => error);
    expect(isTwostepError(early, FleetErrorCode.UnsafeChange)).toBe(true);
    expect((early as Error).message).toContain("drain window ends at");
    const inUse = await coordinator.retire(TYPE, 1, who).catch((error: unknown) => error);
    expect((inUse as Error).message).toContain("still written");
    clock.advance(60_000);
    await coordinator.retire(TYPE, 2, who);
    record = (await plane.getLevel(TYPE))?.value;
    expect(record?.retired).toEqual([2]);
    // Now a build without a v2 reader... reads v1 only: it may join.
    await expect(node("old", "b1-old")).resolves.toBeDefined();
  });

  test("a ramp writes a deterministic share at the target, by key", async () => {
    const a = await node("a", "b2-new");
    const b = await node("b", "b2-new");
    await coordinator.enableWrite(TYPE, 1, who);
    await coordinator.enableWrite(TYPE, 2, { ...who, percent: 10 });
    await Promise.resolve();
    const keys = Array.from({ length: 2000 }, (_, index) => `order-${index}`);
    const atA = keys.map((key) => a.writeLevel(TYPE, { key }));
    const atB = keys.map((key) => b.writeLevel(TYPE, { key }));
    expect(atA).toEqual(atB);
    const share = atA.filter((level) => level === 2).length / keys.length;
    expect(share).toBeGreaterThan(0.07);
    expect(share).toBeLessThan(0.13);
    const unkeyed = Array.from({ length: 100 }, () => a.writeLevel(TYPE));
    expect(unkeyed.filter((level) => level === 2)).toHaveLength(10);
  });

  test("an intent left by a crashed coordinator keeps old builds out until it times out", async () => {
    await node("a", "b2-new");
    await coordinator.enableWrite(TYPE, 1, who);
    const current = await plane.getLevel(TYPE);
    if (current === undefined) throw new Error("no record");
    const intent = { levels: [2], at: clock.now(), actor: "crashed", reason: "was enabling v2" };
    await plane.compareAndSetLevel({ ...current.value, intent }, current.revision);
    await expect(node("old", "b1-old")).rejects.toThrow(/being enabled by crashed/);
    const busy = await coordinator.enableWrite(TYPE, 2, who).catch((error: unknown) => error);
    expect(isTwostepError(busy, FleetErrorCode.RevisionConflict)).toBe(true);
    clock.advance(31_000);
    await nodes[0]?.heartbeat();
    await coordinator.disableWrite(TYPE, { to: 1, ...who });
    expect((await plane.getLevel(TYPE))?.value.intent).toBeNull();
    await expect(node("old", "b1-old")).resolves.toBeDefined();
  });
});

describe("capabilities a node does not use", () => {
  test("a node that declares the capabilities it uses neither blocks nor is refused for others; one that declares nothing does", async () => {
    const plane = new MemoryControlPlane();
    const coordinator = new Coordinator(plane);
    const reader = await startNode({
      controlPlane: plane,
      protocol: protocolOf("b2-new"),
      nodeId: "reader",
      service: "orders",
      build: "b2-new",
      heartbeatMs: 1e9,
    });
    const bystander = await startNode({
      controlPlane: plane,
      protocol: protocolOf("b1-old"),
      nodeId: "bystander",
      service: "billing",
      build: "b1-old",
      heartbeatMs: 1e9,
      uses: ["billing.Invoice"],
    });
    await coordinator.enableWrite(TYPE, 2, who);
    expect((await plane.getLevel(TYPE))?.value.level).toBe(2);
    const late = await startNode({
      controlPlane: plane,
      protocol: protocolOf("b1-old"),
      nodeId: "late",
      service: "billing",
      build: "b1-old",
      heartbeatMs: 1e9,
      uses: [],
    });
    const undeclared = await startNode({
      controlPlane: plane,
      protocol: protocolOf("b1-old"),
      nodeId: "old",
      service: "orders",
      build: "b1-old",
      heartbeatMs: 1e9,
    }).catch((error: unknown) => error);
    expect(isTwostepError(undeclared, FleetErrorCode.JoinRefused)).toBe(true);
    await Promise.all([reader.stop(), bystander.stop(), late.stop()]);
  });
});

describe("writers", () => {
  test("retiring the last level a member can write is refused, naming it as a no-writer", async () => {
    const clock = new FakeClock();
    const plane = new MemoryControlPlane({ clock: clock.now });
    const coordinator = new Coordinator(plane, { drainWindowMs: 1_000 });
    const features = { "compression.zstd": { reads: { min: 0, max: 1 }, writes: { min: 0, max: 0 } } };
    const node = await startNode({
      controlPlane: plane,
      protocol: protocolOf("b2-new"),
      nodeId: "w",
      service: "orders",
      build: "b2-new",
      heartbeatMs: 1e9,
      features,
    });
    await coordinator.enableWrite("compression.zstd", 0, who);
    await coordinator.enableWrite("compression.zstd", 1, who);
    await Promise.resolve();
    expect(node.writeLevel("compression.zstd")).toBe(0);
    clock.advance(2_000);
    await node.heartbeat();
    const refusal = await coordinator.retire("compression.zstd", 0, who).catch((error: unknown) => error);
    expect(isTwostepError(refusal, FleetErrorCode.UnsafeChange)).toBe(true);
    expect((refusal as { blockers: { nodeId: string; reason: string }[] }).blockers).toEqual([expect.objectContaining({ nodeId: "w", reason: "no-writer" })]);
    expect((await plane.getLevel("compression.zstd"))?.value.retired).toEqual([]);
    await node.stop();
  });
});
