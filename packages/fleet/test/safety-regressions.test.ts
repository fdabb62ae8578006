import { isTwostepError } from "@twostep/core";
import {
  ControlPlaneUnreachableError,
  Coordinator,
  type FleetNode,
  FleetErrorCode,
  type MemoryControlPlane,
  RolloutController,
  startNode,
} from "@twostep/fleet";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { type BuildId, protocolOf, protocolReading } from "./support/builds.js";
import { FleetHarness, TYPE, WHO } from "./support/fleet-harness.js";
import { FollowGate, hookedControlPlane, isIntent } from "./support/hooked-control-plane.js";
import { codeOf } from "./support/outcomes.js";

/**
 * Each situation in which review and attack found the safety promise broken
 * (issue 10 of the project), pinned by a test named after it.
 */

const ZSTD = "compression.zstd";

let fleet: FleetHarness;

beforeEach(() => {
  fleet = new FleetHarness();
});

afterEach(() => fleet.close());

/** Starts a node of `build` on `plane` (the harness's clock). */
function startOn(plane: MemoryControlPlane | ReturnType<typeof hookedControlPlane>, nodeId: string, build: BuildId): Promise<FleetNode> {
  return startNode({ controlPlane: plane, protocol: protocolOf(build), nodeId, service: "orders", build, heartbeatMs: 1e9, clock: fleet.clock.now }).then(
    (node) => {
      fleet.nodes.push(node);
      return node;
    },
  );
}

describe("10.1 a withdrawn first enable", () => {
  test("an old build joining between the check and the intent of a first enable makes the enable withdrawn, and writes stay closed", async () => {
    const writer = await fleet.node("w", "b2-new");
    let booted = false;
    const plane = hookedControlPlane(fleet.plane, {
      beforeAppend: async (key, value) => {
        if (!booted && isIntent(key, value)) {
          booted = true;
          await startOn(fleet.plane, "old", "b1-old");
        }
      },
    });
    const coordinator = fleet.coordinatorOn(plane);
    expect(await codeOf(coordinator.enableWrite(TYPE, 2, WHO))).toBe(FleetErrorCode.UnsafeChange);
    await fleet.settle();
    const status = await fleet.coordinator.status(TYPE);
    expect(status.capabilities[0]?.record).toMatchObject({ level: null, intent: null, everWritten: [] });
    expect(() => writer.writeLevel(TYPE)).toThrow(/no write level/);
    expect((await fleet.coordinator.history({ capability: TYPE })).map((entry) => entry.note.action)).toEqual(["intent", "withdraw"]);
  });

  test("a first intent left by a coordinator that died is checked again by the next request, even a plain retry", async () => {
    await fleet.node("w", "b2-new");
    let dead = false;
    const plane = hookedControlPlane(fleet.plane, {
      beforeAppend: async (key, value) => {
        if (isIntent(key, value)) await startOn(fleet.plane, "old", "b1-old");
      },
      beforeRead: (_scope, atLeast) => {
        // Dies right after committing the intent, before its second check.
        if (atLeast > 0) {
          dead = true;
          throw new Error("coordinator died");
        }
      },
    });
    await expect(fleet.coordinatorOn(plane).enableWrite(TYPE, 2, WHO)).rejects.toThrow("coordinator died");
    expect(dead).toBe(true);
    fleet.clock.advance(31_000);
    await fleet.heartbeat();
    expect(await codeOf(fleet.coordinator.enableWrite(TYPE, 2, WHO))).toBe(FleetErrorCode.UnsafeChange);
    expect((await fleet.coordinator.status(TYPE)).capabilities[0]?.record?.level ?? null).toBeNull();
  });
});

describe("10.2 no record means writes are closed", () => {
  test("a build that adds a brand-new message type cannot write it until a release manager enables it", async () => {
    const fresh = await fleet.node("new", "b2-new");
    await fleet.node("old", "b1-old", { uses: [] });
    expect(() => fresh.encode(TYPE, { id: "o", v: 2 })).toThrow(`twostep enable-write ${TYPE}`);
  });

  test("adopting twostep on existing traffic is an explicit, audited first record, checked like any enable", async () => {
    expect(await codeOf(fleet.coordinator.change(TYPE, { kind: "adopt", level: 1 }, WHO))).toBe(FleetErrorCode.UnsafeChange);
    const change = await fleet.coordinator.change(TYPE, { kind: "adopt", level: 1 }, WHO, { declared: { [TYPE]: [1] } });
    expect(change.after?.value).toMatchObject({ level: 1, everWritten: [1] });
    expect(await codeOf(fleet.coordinator.change(TYPE, { kind: "adopt", level: 2 }, WHO, { declared: { [TYPE]: [2] } }))).toBe(FleetErrorCode.InvalidRequest);
    expect(await codeOf(fleet.node("old", "b4-dropped-v1"))).toBe(FleetErrorCode.JoinRefused);
    expect((await fleet.coordinator.history({ capability: TYPE })).map((entry) => entry.note.action)).toEqual(["refused", "intent", "adopt"]);
  });
});

describe("10.3 an empty fleet", () => {
  test("a capability or level no member or manifest declares is refused (a typo, a level too far), and a plan says 0 members take part", async () => {
    await fleet.node("a", "b2-new");
    const typo = await fleet.coordinator.change("billing.InvoiceIsued", { kind: "enable-write", level: 2 }, WHO, { dryRun: true });
    expect(typo.participants).toBe(0);
    expect(typo.problems.join()).toContain("no member, and no manifest given, declares billing.InvoiceIsued v2");
    expect(await codeOf(fleet.coordinator.enableWrite("billing.InvoiceIsued", 2, WHO))).toBe(FleetErrorCode.UnsafeChange);
    expect(await codeOf(fleet.coordinator.enableWrite(TYPE, 22, WHO))).toBe(FleetErrorCode.UnsafeChange);
    expect((await fleet.coordinator.status()).capabilities.map((capability) => capability.capability)).not.toContain("billing.InvoiceIsued");
  });

  test("said explicitly it goes through, and a capability nobody reads or writes can be forgotten again", async () => {
    const a = await fleet.node("a", "b2-new", { uses: [TYPE] });
    await fleet.coordinator.enableWrite("billing.InvoiceIsued", 22, { ...WHO, allowUndeclared: true });
    expect(await codeOf(fleet.coordinator.change(TYPE, { kind: "forget" }, WHO))).toBe(FleetErrorCode.InvalidRequest);
    await fleet.coordinator.change("billing.InvoiceIsued", { kind: "forget" }, WHO);
    expect((await fleet.coordinator.status()).capabilities.find((capability) => capability.capability === "billing.InvoiceIsued")).toBeUndefined();
    // A capability someone uses cannot be forgotten.
    await fleet.coordinator.enableWrite(TYPE, 1, WHO);
    const refused = await fleet.coordinator.change(TYPE, { kind: "forget" }, WHO, { dryRun: true });
    expect(refused.blockers.map((blocker) => blocker.nodeId)).toEqual(["a"]);
    expect(refused.blockers[0]?.detail).toMatch(new RegExp(`^a@\\S{8}: build b2-new reads or writes ${TYPE}: only a capability nobody uses can be forgotten$`));
    expect(a.fenced).toBe(false);
  });
});

describe("10.4 the writer fallback", () => {
  const narrowWriter = { [ZSTD]: { reads: { min: 0, max: 3 }, writes: { min: 2, max: 3 } } };
  const wideWriter = { [ZSTD]: { reads: { min: 0, max: 3 }, writes: { min: 0, max: 3 } } };

  test("a rollback below what a build writes is refused while that build runs, instead of it writing the abandoned level on", async () => {
    await fleet.node("wide", "b2-new", { features: wideWriter });
    for (const level of [1, 2, 3]) await fleet.coordinator.enableWrite(ZSTD, level, WHO);
    const narrow = await fleet.node("narrow", "b2-new", { features: narrowWriter });
    const plan = await fleet.coordinator.change(ZSTD, { kind: "disable-write", to: 1 }, WHO, { dryRun: true });
    expect(plan.blockers.map((blocker) => [blocker.nodeId, blocker.reason])).toEqual([["narrow", "no-writer"]]);
    expect(await codeOf(fleet.coordinator.disableWrite(ZSTD, { ...WHO, to: 1 }))).toBe(FleetErrorCode.UnsafeChange);
    await narrow.stop();
    await fleet.coordinator.disableWrite(ZSTD, { ...WHO, to: 1 });
    // Back on v1, a build that cannot write v1 writes nothing rather than v3.
    const late = await fleet.node("late", "b2-new", { features: { [ZSTD]: { reads: { min: 0, max: 3 }, writes: { min: 1, max: 3 } } } });
    expect(late.writeLevel(ZSTD)).toBe(1);
  });

  test("a level a member writes by fallback cannot be retired while it does", async () => {
    await fleet.node("wide", "b2-new", { features: wideWriter });
    for (const level of [1, 2, 3]) await fleet.coordinator.enableWrite(ZSTD, level, WHO);
    const fallback = await fleet.node("fallback", "b2-new", { features: { [ZSTD]: { reads: { min: 0, max: 3 }, writes: { min: 0, max: 2 } } } });
    expect(fallback.writeLevel(ZSTD)).toBe(2);
    fleet.clock.advance(2 * 3_600_000);
    await fleet.heartbeat();
    const plan = await fleet.coordinator.change(ZSTD, { kind: "retire", level: 2 }, WHO, { dryRun: true });
    expect(plan.blockers.map((blocker) => [blocker.nodeId, blocker.reason])).toContainEqual(["fallback", "still-writing"]);
  });
});

describe("10.5 the coordinator knows what nodes applied and wrote", () => {
  test("a retirement waits for every writer to apply the record that stopped the level, and counts the drain window from the last write seen", async () => {
    const gate = new FollowGate();
    const a = await fleet.node("a", "b2-new");
    const lagging = await startNode({
      controlPlane: hookedControlPlane(fleet.plane, { followGate: gate }),
      protocol: protocolOf("b2-new"),
      nodeId: "b",
      service: "orders",
      build: "b2-new",
      heartbeatMs: 1e9,
      clock: fleet.clock.now,
    });
    fleet.nodes.push(lagging);
    await fleet.coordinator.enableWrite(TYPE, 1, WHO);
    await fleet.settle();
    gate.hold();
    await fleet.coordinator.enableWrite(TYPE, 2, WHO);
    await fleet.settle();
    await fleet.heartbeat();
    expect((await fleet.coordinator.status(TYPE)).capabilities[0]?.convergence).toMatchObject({ applied: 1, of: 2, waiting: [{ nodeId: "b", state: "live" }] });
    // b has not applied v2 yet: 50 minutes on it still writes v1.
    fleet.clock.advance(50 * 60_000);
    await fleet.heartbeat();
    expect(lagging.encode(TYPE, { id: "late", v: 2 }) && lagging.writeLevel(TYPE)).toBe(1);
    await fleet.heartbeat();
    const waiting = await fleet.coordinator.change(TYPE, { kind: "retire", level: 1 }, WHO, { dryRun: true });
    expect(waiting.blockers.map((blocker) => [blocker.nodeId, blocker.reason])).toEqual([["b", "not-applied"]]);
    gate.release();
    await fleet.heartbeat();
    // The record stopped v1 more than the 1 h window ago, but b wrote it 11 minutes ago.
    fleet.clock.advance(11 * 60_000);
    await fleet.heartbeat();
    const draining = await fleet.coordinator.change(TYPE, { kind: "retire", level: 1 }, WHO, { dryRun: true });
    expect(draining.blockers).toEqual([]);
    expect(draining.problems.join()).toContain("drain window ends");
    fleet.clock.advance(50 * 60_000);
    await fleet.heartbeat();
    await fleet.coordinator.retire(TYPE, 1, WHO);
    expect(a.fenced).toBe(false);
  });

  test("a member without a live heartbeat blocks a retirement until it is back or decommissioned after its lease", async () => {
    const a = await fleet.node("a", "b2-new");
    const gone = await fleet.node("gone", "b2-new", { leaseMs: 15_000 });
    await fleet.coordinator.enableWrite(TYPE, 1, WHO);
    await fleet.coordinator.enableWrite(TYPE, 2, WHO);
    await fleet.settle();
    fleet.nodes.splice(fleet.nodes.indexOf(gone), 1);
    fleet.clock.advance(2 * 3_600_000);
    await a.heartbeat();
    const plan = await fleet.coordinator.change(TYPE, { kind: "retire", level: 1 }, WHO, { dryRun: true });
    expect(plan.blockers.map((blocker) => [blocker.nodeId, blocker.reason])).toEqual([["gone", "stale"]]);
    await fleet.coordinator.decommission("gone", WHO);
    await fleet.coordinator.retire(TYPE, 1, WHO);
  });
});

describe("10.6 a partitioned member", () => {
  test("a node cut off from the control plane stops writing when its lease runs out, says so, and writes again once it renews", async () => {
    let cutOff = false;
    const plane = hookedControlPlane(fleet.plane, {
      beforeBeat: () => {
        if (cutOff) throw new Error("partitioned");
      },
    });
    const fenced: string[] = [];
    const node = await startNode({
      controlPlane: plane,
      protocol: protocolOf("b2-new"),
      nodeId: "p",
      service: "orders",
      build: "b2-new",
      heartbeatMs: 1e9,
      leaseMs: 10_000,
      clock: fleet.clock.now,
      onFenced: (error) => fenced.push(error.why),
    });
    fleet.nodes.push(node);
    await fleet.coordinator.enableWrite(TYPE, 1, WHO);
    await fleet.settle();
    cutOff = true;
    fleet.clock.advance(9_000);
    await node.heartbeat();
    expect(node.writeLevel(TYPE)).toBe(1);
    fleet.clock.advance(2_000);
    await node.heartbeat();
    expect(node.fenced).toBe(true);
    expect(() => node.writeLevel(TYPE)).toThrow(/lease ran out/);
    expect(fenced).toEqual(["its lease ran out (no heartbeat acknowledged for 10 s)"]);
    cutOff = false;
    await node.heartbeat();
    expect(node.writeLevel(TYPE)).toBe(1);
  });

  test("a stale member is decommissioned only once its lease and the clock margin have surely passed, and then cannot write even if it comes back", async () => {
    const stale = await fleet.node("s", "b2-new", { leaseMs: 15_000 });
    await fleet.coordinator.enableWrite(TYPE, 1, WHO);
    fleet.clock.advance(16_000);
    const early = await fleet.coordinator.change(TYPE, { kind: "disable-write" }, WHO, { dryRun: true }).catch(() => undefined);
    expect(early).toBeDefined();
    expect(await codeOf(fleet.coordinator.decommission("s", WHO))).toBe(FleetErrorCode.UnsafeChange);
    fleet.clock.advance(5_000);
    await fleet.coordinator.decommission("s", WHO);
    await stale.heartbeat();
    expect(stale.fenced).toBe(true);
    expect(() => stale.writeLevel(TYPE)).toThrow(/decommissioned/);
  });

  test("a member still starting (registered, no heartbeat yet) cannot be decommissioned", async () => {
    const member = new TextEncoder().encode(
      JSON.stringify({
        format: 1,
        nodeId: "starting",
        incarnation: "0123456789abcdef",
        service: "orders",
        build: "b2-new",
        buildId: "0".repeat(32),
        labels: {},
        startedAt: 0,
        leaseMs: 15_000,
      }),
    );
    await fleet.plane.register([{ key: { kind: "member", nodeId: "starting", incarnation: "0123456789abcdef" }, value: member }]);
    expect(await codeOf(fleet.coordinator.decommission("starting", WHO))).toBe(FleetErrorCode.UnsafeChange);
    fleet.clock.advance(21_000);
    await fleet.coordinator.decommission("starting", WHO);
  });
});

describe("a decommissioned node that comes back after its heartbeat expired", () => {
  /** A link the test cuts (every call fails) and heals, and on which it can make reads of single entries fail. */
  interface Link {
    cut: boolean;
    failGets: boolean;
  }

  /**
   * A node "gone" writing v1 on a link of its own, then cut off until its
   * lease and the clock margin have surely passed, and decommissioned.
   */
  async function decommissionedWhileCutOff(): Promise<{ node: FleetNode; link: Link }> {
    const link: Link = { cut: false, failGets: false };
    const plane = hookedControlPlane(fleet.plane, {
      beforeCall: (method) => {
        if (link.cut) throw new ControlPlaneUnreachableError("partitioned");
        if (link.failGets && method === "get") throw new ControlPlaneUnreachableError("the read timed out");
      },
    });
    const node = await startNode({
      controlPlane: plane,
      protocol: protocolOf("b2-new"),
      nodeId: "gone",
      service: "orders",
      build: "b2-new",
      heartbeatMs: 1e9,
      leaseMs: 15_000,
      clock: fleet.clock.now,
    });
    fleet.nodes.push(node);
    await fleet.coordinator.enableWrite(TYPE, 1, WHO);
    await fleet.settle();
    expect(node.writeLevel(TYPE)).toBe(1);
    link.cut = true;
    fleet.clock.advance(21_000);
    await node.heartbeat();
    await fleet.coordinator.decommission("gone", WHO);
    // Its heartbeat's tombstone, the fence it would find at once, expires with the heartbeat TTL.
    fleet.clock.advance(fleet.plane.beatTtlMs + 1_000);
    expect(await fleet.plane.readBeat(node)).toBeUndefined();
    return { node, link };
  }

  /** The code of what encoding throws, or `encoded`. */
  function encodeCode(node: FleetNode): string {
    try {
      node.encode(TYPE, { id: "o1", v: 2 });
      return "encoded";
    } catch (error) {
      if (!isTwostepError(error)) throw error;
      return error.code;
    }
  }

  /** Heartbeats the node a few times: it must neither store a heartbeat nor write. */
  async function expectFencedForGood(node: FleetNode): Promise<void> {
    for (let beat = 0; beat < 3; beat++) {
      await node.heartbeat();
      expect(node.fenced).toBe(true);
      expect(node.fence?.why).toMatch(/decommissioned/);
      expect(() => node.writeLevel(TYPE)).toThrow(/decommissioned/);
      expect(encodeCode(node)).toBe(FleetErrorCode.Fenced);
      expect(await fleet.plane.readBeat(node)).toBeUndefined();
    }
  }

  /** Every entry the log holds under the node's member key, oldest first. */
  async function memberEntries(node: FleetNode): Promise<{ tombstone: boolean }[]> {
    const fleetEntries = (await fleet.plane.read("fleet")).entries;
    return fleetEntries
      .filter((entry) => entry.key.kind === "member" && entry.key.nodeId === node.nodeId && entry.key.incarnation === node.incarnation)
      .map((entry) => ({ tombstone: entry.tombstone }));
  }

  test("it finds its member tombstone, stays fenced for good, and neither heartbeats nor registers again", async () => {
    const { node, link } = await decommissionedWhileCutOff();
    link.cut = false;
    await expectFencedForGood(node);
    expect(await memberEntries(node)).toEqual([{ tombstone: true }]);
    expect((await fleet.coordinator.status()).memberCount).toBe(0);
  });

  test("after compaction dropped its member tombstone, the decommission record fences it, and it does not register its dead incarnation again", async () => {
    const { node, link } = await decommissionedWhileCutOff();
    expect(await fleet.plane.compact(0)).toBeGreaterThan(0);
    expect(await memberEntries(node)).toEqual([]);
    link.cut = false;
    await expectFencedForGood(node);
    expect(await memberEntries(node)).toEqual([]);
    expect((await fleet.coordinator.status()).memberCount).toBe(0);
  });

  test("while what fences it cannot be read, it does not write again; once it can be, it is fenced for good", async () => {
    const { node, link } = await decommissionedWhileCutOff();
    await fleet.plane.compact(0);
    link.cut = false;
    link.failGets = true;
    for (let beat = 0; beat < 3; beat++) {
      await node.heartbeat();
      expect(node.fenced).toBe(true);
      expect(encodeCode(node)).toBe(FleetErrorCode.Fenced);
      expect(await fleet.plane.readBeat(node)).toBeUndefined();
    }
    expect(await memberEntries(node)).toEqual([]);
    link.failGets = false;
    await expectFencedForGood(node);
  });

  test("a node cut off past the heartbeat TTL but not decommissioned writes again once it renews", async () => {
    const link = { cut: false };
    const plane = hookedControlPlane(fleet.plane, {
      beforeCall: () => {
        if (link.cut) throw new ControlPlaneUnreachableError("partitioned");
      },
    });
    const node = await startOn(plane, "away", "b2-new");
    await fleet.coordinator.enableWrite(TYPE, 1, WHO);
    await fleet.settle();
    link.cut = true;
    fleet.clock.advance(fleet.plane.beatTtlMs + 1_000);
    await node.heartbeat();
    expect(node.fenced).toBe(true);
    link.cut = false;
    await node.heartbeat();
    expect(node.fenced).toBe(false);
    expect(node.writeLevel(TYPE)).toBe(1);
    expect(await fleet.plane.readBeat(node)).toBeDefined();
    expect((await fleet.coordinator.status()).memberCount).toBe(1);
  });
});

describe("10.7 one node id on two processes", () => {
  test("an overlapping restart counts both incarnations, and the old one's stop removes only itself", async () => {
    const first = await fleet.node("a", "b1-old");
    const second = await fleet.node("a", "b2-new");
    await fleet.coordinator.enableWrite(TYPE, 1, WHO);
    const plan = await fleet.coordinator.change(TYPE, { kind: "enable-write", level: 2 }, WHO, { dryRun: true });
    expect(plan.blockers.map((blocker) => [blocker.nodeId, blocker.incarnation, blocker.reason])).toEqual([["a", first.incarnation, "no-reader"]]);
    await first.stop();
    await second.heartbeat();
    expect(second.fenced).toBe(false);
    expect((await fleet.coordinator.status()).members.map((member) => member.incarnation)).toEqual([second.incarnation]);
    await fleet.coordinator.enableWrite(TYPE, 2, WHO);
  });
});

describe("10.8 a withdrawn intent", () => {
  test("does not fence the node whose boot caused it", async () => {
    await fleet.node("w", "b2-new");
    await fleet.coordinator.enableWrite(TYPE, 1, WHO);
    let old: FleetNode | undefined;
    const plane = hookedControlPlane(fleet.plane, {
      beforeAppend: async (key, value) => {
        if (old === undefined && isIntent(key, value)) old = await startOn(fleet.plane, "old", "b1-old");
      },
    });
    expect(await codeOf(fleet.coordinatorOn(plane).enableWrite(TYPE, 2, WHO))).toBe(FleetErrorCode.UnsafeChange);
    await fleet.settle();
    expect(old?.fenced).toBe(false);
    expect(old?.writeLevel(TYPE)).toBe(1);
  });
});

describe("a node joining while a level is being retired", () => {
  /** Retires v1 through a coordinator on whose intent a node of b2-new (which writes v1) joins, taking part in `uses` (all when undefined). */
  async function retireWhileJoining(uses: readonly string[] | undefined): Promise<string> {
    await fleet.node("a", "b2-new");
    await fleet.coordinator.enableWrite(TYPE, 1, WHO);
    await fleet.coordinator.enableWrite(TYPE, 2, WHO);
    fleet.clock.advance(2 * 3_600_000);
    await fleet.heartbeat();
    let joined = false;
    const plane = hookedControlPlane(fleet.plane, {
      beforeAppend: async (key, value) => {
        if (joined || !isIntent(key, value)) return;
        joined = true;
        await fleet.node("late", "b2-new", uses === undefined ? {} : { uses });
      },
    });
    const outcome = await codeOf(fleet.coordinatorOn(plane).retire(TYPE, 1, WHO));
    expect(joined).toBe(true);
    return outcome;
  }

  test("withdraws the retirement when the joiner takes part in the capability and may write the level", async () => {
    expect(await retireWhileJoining(undefined)).toBe(FleetErrorCode.UnsafeChange);
    const history = await fleet.coordinator.history({ capability: TYPE });
    expect(history.at(-1)?.note).toMatchObject({ action: "withdraw", blockers: [{ nodeId: "late", reason: "still-writing", level: 1 }] });
    expect(history.at(-1)?.note.blockers[0]?.detail).toMatch(/^late@\S{8} joined while v1 was being retired/);
  });

  test("goes through when the joiner does not take part in the capability, as the first check of the retirement also has it", async () => {
    expect(await retireWhileJoining([])).toBe("resolved");
    expect((await fleet.coordinator.status(TYPE)).capabilities[0]?.record).toMatchObject({ level: 2, intent: null, retired: [1] });
  });
});

describe("a node joining while a coordinator reads the fleet", () => {
  test("is not taken for a store gone backwards: its heartbeat is never read without its member", async () => {
    await fleet.node("a", "b2-new");
    await fleet.coordinator.enableWrite(TYPE, 1, WHO);
    let joined = false;
    const plane = hookedControlPlane(fleet.plane, {
      beforeReadBeats: async () => {
        if (joined) return;
        joined = true;
        // Whatever read of the log is under way finishes first; then the node joins and heartbeats.
        await new Promise((resolve) => setImmediate(resolve));
        const node = await fleet.node("late", "b2-new");
        await node.heartbeat();
      },
    });
    const coordinator = new Coordinator(plane, { clock: fleet.clock.now });
    const status = await coordinator.status(TYPE);
    expect(status.plane.regressed).toEqual([]);
    await coordinator.enableWrite(TYPE, 2, WHO);
    expect(joined).toBe(true);
  });
});

describe("a node under a slow or failing control plane", () => {
  /** Heartbeats of the node "slow" wait while held: a slow link, a leader election. `hold` returns what lets the held ones through. */
  function slowBeats(): { plane: ReturnType<typeof hookedControlPlane>; hold: () => () => void } {
    let gate: Promise<void> | undefined;
    const plane = hookedControlPlane(fleet.plane, { beforeBeat: (key) => (key.nodeId === "slow" ? gate : undefined) });
    return {
      plane,
      hold: () => {
        let release = () => {};
        gate = new Promise((resolve) => {
          release = resolve;
        });
        return () => {
          gate = undefined;
          release();
        };
      },
    };
  }

  test("a heartbeat slower than the next one is not overtaken by it, so the node does not fence itself", async () => {
    const link = slowBeats();
    const fenced: string[] = [];
    const node = await startNode({
      controlPlane: link.plane,
      protocol: protocolOf("b2-new"),
      nodeId: "slow",
      service: "orders",
      build: "b2-new",
      heartbeatMs: 1e9,
      clock: fleet.clock.now,
      onFenced: (error) => fenced.push(error.why),
    });
    fleet.nodes.push(node);
    const release = link.hold();
    const slow = node.heartbeat();
    // The next heartbeat finds the link fast again, while the first one still hangs.
    const letThrough = link.hold();
    letThrough();
    const next = node.heartbeat();
    release();
    await Promise.all([slow, next]);
    await node.heartbeat();
    expect(fenced).toEqual([]);
    expect(node.fenced).toBe(false);
  });

  test("a clean stop while a heartbeat is under way is not reported as a fence", async () => {
    const link = slowBeats();
    const fenced: string[] = [];
    const node = await startNode({
      controlPlane: link.plane,
      protocol: protocolOf("b2-new"),
      nodeId: "slow",
      service: "orders",
      build: "b2-new",
      heartbeatMs: 1e9,
      clock: fleet.clock.now,
      onFenced: (error) => fenced.push(error.why),
    });
    const release = link.hold();
    const beat = node.heartbeat();
    const stopping = node.stop();
    release();
    await Promise.all([beat, stopping]);
    expect(fenced).toEqual([]);
    expect((await fleet.coordinator.status()).memberCount).toBe(0);
  });

  test("a node whose registration was stored but whose read failed leaves again, and blocks nothing", async () => {
    let failed = false;
    const plane = hookedControlPlane(fleet.plane, {
      afterRegister: () => {
        if (failed) return;
        failed = true;
        throw new ControlPlaneUnreachableError("the read after the registration timed out");
      },
    });
    const error = await startOn(plane, "flaky", "b1-old").catch((reason: unknown) => reason);
    expect(isTwostepError(error, FleetErrorCode.Unreachable), String(error)).toBe(true);
    await fleet.node("a", "b2-new");
    const plan = await fleet.coordinator.change(TYPE, { kind: "enable-write", level: 2 }, WHO, { dryRun: true });
    expect(plan.blockers).toEqual([]);
    expect((await fleet.coordinator.status()).memberCount).toBe(1);
  });
});

describe("a change whose step after its intent fails", () => {
  test("withdraws its own intent, so that a retry goes through at once instead of waiting for it to time out", async () => {
    await fleet.node("a", "b2-new");
    await fleet.coordinator.enableWrite(TYPE, 1, WHO);
    let intended = false;
    let failed = false;
    const plane = hookedControlPlane(fleet.plane, {
      beforeAppend: (key, bytes) => {
        if (isIntent(key, bytes)) intended = true;
      },
      beforeRead: () => {
        if (!intended || failed) return;
        failed = true;
        throw new ControlPlaneUnreachableError("the read after the intent timed out");
      },
    });
    const coordinator = new Coordinator(plane, { clock: fleet.clock.now });
    expect(await codeOf(coordinator.enableWrite(TYPE, 2, WHO))).toBe(FleetErrorCode.Unreachable);
    const record = (await fleet.coordinator.status(TYPE)).capabilities[0]?.record;
    expect(record).toMatchObject({ level: 1, intent: null });
    await coordinator.enableWrite(TYPE, 2, WHO);
    const actions = (await fleet.coordinator.history({ capability: TYPE })).map((entry) => entry.note.action);
    expect(actions.slice(-4)).toEqual(["intent", "withdraw", "intent", "enable-write"]);
  });
});

describe("10.9 clocks", () => {
  test("a coordinator whose clock runs 13 s ahead does not decommission a live node: leases are judged by the control plane's clock", async () => {
    await fleet.node("live", "b2-new", { leaseMs: 15_000 });
    fleet.clock.advance(3_000);
    const ahead = new Coordinator(fleet.plane, { clock: () => fleet.clock.now() + 13_000 });
    expect(await codeOf(ahead.decommission("live", WHO))).toBe(FleetErrorCode.UnsafeChange);
  });
});

describe("10.9 clocks (a node's own)", () => {
  // docs/fleet.md: a 15 s lease and a 5 s margin cover a node clock up to 25% slow (15 / 20); 24% is the worst case tested.
  test.each([15, 24])(
    "a node whose clock runs %i percent slow has stopped writing by the time the coordinator may decommission it: the clock margin covers it",
    async (slowPercent) => {
      let cutOff = false;
      const started = fleet.clock.now();
      const slow = await startNode({
        controlPlane: hookedControlPlane(fleet.plane, {
          beforeBeat: () => {
            if (cutOff) throw new Error("partitioned");
          },
        }),
        protocol: protocolOf("b2-new"),
        nodeId: "slow",
        service: "orders",
        build: "b2-new",
        heartbeatMs: 1e9,
        leaseMs: 15_000,
        clock: () => started + ((fleet.clock.now() - started) * (100 - slowPercent)) / 100,
      });
      fleet.nodes.push(slow);
      await fleet.coordinator.enableWrite(TYPE, 1, WHO);
      await fleet.settle();
      cutOff = true;
      for (let second = 1; second <= 30; second++) {
        fleet.clock.advance(1_000);
        await slow.heartbeat();
        const plan = await codeOf(fleet.coordinator.decommission("slow", WHO));
        if (plan === "resolved") {
          expect(slow.fenced, `decommissioned after ${second} s while it may still write`).toBe(true);
          return;
        }
      }
      throw new Error("never decommissioned");
    },
  );
});

describe("a level handed out for writing counts as written", () => {
  test("a node that asks writeLevel and encodes by itself still holds a retirement back for the drain window", async () => {
    const gate = new FollowGate();
    const lagging = await startNode({
      controlPlane: hookedControlPlane(fleet.plane, { followGate: gate }),
      protocol: protocolOf("b2-new"),
      nodeId: "lagging",
      service: "orders",
      build: "b2-new",
      heartbeatMs: 1e9,
      clock: fleet.clock.now,
    });
    fleet.nodes.push(lagging);
    await fleet.coordinator.enableWrite(TYPE, 1, WHO);
    await fleet.coordinator.change(TYPE, { kind: "policy", drainWindowMs: 60_000 }, WHO);
    await fleet.settle();
    gate.hold();
    await fleet.coordinator.enableWrite(TYPE, 2, WHO);
    fleet.clock.advance(70_000);
    await fleet.heartbeat();
    // Its own encoder, at the level twostep gives it: no frame passes through the node.
    protocolOf("b2-new").type(TYPE).encode({ id: "own", v: 2 }, lagging.writeLevel(TYPE));
    gate.release();
    await fleet.settle();
    await fleet.heartbeat();
    const plan = await fleet.coordinator.change(TYPE, { kind: "retire", level: 1 }, WHO, { dryRun: true });
    expect(plan.problems.join()).toContain("drain window ends");
  });
});

describe("10.11 the frame-health gate (the ramp guard's, until the controller subsumed it)", () => {
  test("sees frames of the ramp target that a node could not read at all, and reverts the ramp", async () => {
    const wide = await fleet.node("wide", "b2-new");
    const outsider = await fleet.node("outsider", "b1-old", { uses: [] });
    await fleet.coordinator.enableWrite(TYPE, 1, WHO);
    const rollouts = fleet.coordinator.rollouts();
    const gate = { kind: "frame-health", name: "decode failures", maxFailureRate: 0.01, maxIncrease: 0.01, minFrames: 10, windowMs: 60_000 } as const;
    await rollouts.start(TYPE, { target: 2, steps: [{ percent: 50, where: null, bakeMs: 600_000 }], gates: [gate], intervalMs: 1_000 }, WHO);
    const controller = new RolloutController(fleet.plane, { clock: fleet.clock.now });
    const look = async () => {
      fleet.clock.advance(1_000);
      await fleet.heartbeat();
      await controller.tick();
      await fleet.settle();
    };
    await look();
    expect((await fleet.coordinator.status(TYPE)).capabilities[0]?.record?.ramp).toMatchObject({ to: 2, percent: 50 });
    await look();
    expect((await rollouts.get(TYPE))?.rollout.results[0]?.verdict).toBe("inconclusive");
    for (let index = 0; index < 20; index++)
      outsider.decode(
        protocolReading(1, 2)
          .type(TYPE)
          .encode({ id: `o${index}`, v: 2 }, 2),
      );
    await outsider.heartbeat();
    await wide.heartbeat();
    await look();
    const stored = await rollouts.get(TYPE);
    expect(stored?.rollout).toMatchObject({ state: "failed", results: [{ verdict: "fail", value: 1 }] });
    expect((await fleet.coordinator.status(TYPE)).capabilities[0]?.record?.ramp).toBeNull();
  });
});

describe("10.12 the drain window is stored policy", () => {
  test("set once, it is what every coordinator applies, and status shows it", async () => {
    await fleet.node("a", "b2-new");
    await fleet.coordinator.enableWrite(TYPE, 1, WHO);
    await fleet.coordinator.enableWrite(TYPE, 2, WHO);
    await fleet.coordinator.change(TYPE, { kind: "policy", drainWindowMs: 600_000 }, WHO);
    const other = fleet.coordinatorOn();
    expect((await other.status(TYPE)).capabilities[0]?.drainWindowMs).toBe(600_000);
    fleet.clock.advance(599_000);
    await fleet.heartbeat();
    expect(await codeOf(other.retire(TYPE, 1, WHO))).toBe(FleetErrorCode.UnsafeChange);
    fleet.clock.advance(2_000);
    await fleet.heartbeat();
    await other.retire(TYPE, 1, WHO);
    expect((await fleet.coordinator.history({ capability: TYPE })).map((entry) => entry.note.action)).toContain("policy");
  });
});
