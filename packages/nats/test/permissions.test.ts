import { headers } from "@nats-io/transport-node";
import { isTwostepError } from "@twostep/core";
import { Coordinator, startNode } from "@twostep/fleet";
import { FleetErrorCode, type StoredEntry } from "@twostep/fleet/control-plane";
import { connectNatsControlPlane, type NatsControlPlane, type NatsControlPlaneOptions } from "@twostep/nats";
import { type NatsServer, startNatsServer } from "@twostep/testkit/nats-server";
import { afterAll, afterEach, beforeAll, expect, test, vi } from "vitest";
import { orderProtocol } from "./support/order-protocol.js";
import { documentedConfig } from "./support/documented-config.js";
import { bytes, textOf } from "./support/planes.js";
import { rawNats } from "./support/raw-nats.js";
import { failure } from "../../fleet/test/support/outcomes.js";

let server: NatsServer;
let release: NatsControlPlane;
const opened: NatsControlPlane[] = [];

beforeAll(async () => {
  server = await startNatsServer({ config: await documentedConfig() });
  release = await connectNatsControlPlane({ servers: server.url, user: "release", pass: "release-secret" });
});

afterAll(async () => {
  await release?.close();
  await server?.stop();
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((plane) => plane.close()));
});

async function asNode(options: Partial<NatsControlPlaneOptions> = {}): Promise<NatsControlPlane> {
  const plane = await connectNatsControlPlane({ servers: server.url, user: "shop-1", pass: "shop-1-secret", create: false, ...options });
  opened.push(plane);
  return plane;
}

const level = (capability: string) => ({ kind: "level", capability }) as const;
const me = { nodeId: "shop-1", incarnation: "0a1b" };

// First: the later tests store records that are no valid records, which a fleet node's join guard would refuse.
test("a fleet node runs on the documented node credentials and follows the level a release manager enables", async () => {
  const plane = await asNode();
  const node = await startNode({
    controlPlane: plane,
    protocol: orderProtocol(3),
    nodeId: "shop-1",
    service: "shop",
    build: "3.0.0",
    heartbeatMs: 100,
  });
  try {
    const coordinator = new Coordinator(release);
    await coordinator.enableWrite("orders.OrderPlaced", 1, { actor: "alice", reason: "every node reads v1" });
    await vi.waitFor(() => expect(node.writeLevel("orders.OrderPlaced")).toBe(1));
    expect(node.fenced).toBe(false);
  } finally {
    await node.stop();
  }
});

test("a node registers, heartbeats, reads the last heartbeat stored and those of marked node ids, follows the records and leaves on its own credentials", async () => {
  const node = await asNode();
  const before = await release.append(level("payments.Captured"), bytes("l1"));
  const snapshot = await node.register([
    { key: { kind: "build", buildId: "feed" }, value: bytes("build"), ifAbsent: true },
    { key: { kind: "member", ...me }, value: bytes("member") },
  ]);
  expect(snapshot.entries.map((entry) => entry.revision)).toContain(before);
  const beat = await node.beat(me, bytes("beat"), { expect: 0 });
  expect((await node.readBeat(me))?.revision).toBe(beat);
  // What a node whose heartbeat expired reads to tell whether it was decommissioned: its member key and its decommission key.
  expect(textOf((await node.get({ kind: "member", ...me }))!.value)).toBe("member");
  await release.append({ kind: "decommission", ...me }, bytes("decommissioned"));
  expect(textOf((await node.get({ kind: "decommission", ...me }))!.value)).toBe("decommissioned");
  // What a joining node judges a store that went backwards by: another node's heartbeat, the last one stored.
  const other = { nodeId: "shop-2", incarnation: "0c0d" };
  const theirs = await release.beat(other, bytes("theirs"), { expect: 0 });
  const last = await node.lastBeat();
  expect([last?.key, last?.revision, textOf(last?.value ?? bytes(""))]).toEqual([other, theirs, "theirs"]);
  await release.beat(other, bytes("gone"), { expect: theirs, tombstone: true });
  expect((await node.lastBeat())?.revision).toBe(beat);
  // And the marks of node ids holding records the store lost, the heartbeats of a marked node id, and its own mark.
  await node.markRegression(me.nodeId);
  await release.markRegression(other.nodeId);
  expect((await node.regressionMarks()).sort()).toEqual([me.nodeId, other.nodeId].sort());
  expect((await node.beatsOf(me.nodeId)).map((stored) => stored.revision)).toEqual([beat]);

  const entries: StoredEntry[] = [];
  const follow = await node.follow({ onSnapshot: () => {}, onEntry: (entry) => entries.push(entry) }, { from: snapshot.position });
  const after = await release.append(level("payments.Captured"), bytes("l2"));
  await vi.waitFor(() => expect(entries.map((entry) => entry.revision)).toEqual([after]));
  await follow.stop();

  await node.beat(me, bytes("bye"), { expect: beat, tombstone: true });
  await node.append({ kind: "member", ...me }, bytes("bye"), { tombstone: true });
  expect((await release.get({ kind: "member", ...me }))?.tombstone).toBe(true);
  expect(textOf((await release.get({ kind: "build", buildId: "feed" }))!.value)).toBe("build");
});

test("a node is refused what release managers do, with PermissionDeniedError naming the operation and subject", async () => {
  const node = await asNode();
  const refused = await failure(node.append(level("payments.Captured"), bytes("mine now")));
  expect(isTwostepError(refused, FleetErrorCode.PermissionDenied)).toBe(true);
  expect(refused.message).toBe(
    "permission denied: append level payments.Captured (publish on twostep.fleet.r.s.l.payments_2ECaptured): " +
      'these credentials may not do that; release-manager credentials do (see docs/nats.md, "Permissions")',
  );
  const attempts: Record<string, () => Promise<unknown>> = {
    "another node's member": () => node.append({ kind: "member", nodeId: "shop-2", incarnation: "1" }, bytes("m")),
    "another node's heartbeat": () => node.beat({ nodeId: "shop-2", incarnation: "1" }, bytes("b"), { expect: 0 }),
    "another node's mark": () => node.markRegression("shop-2"),
    "a refusal": () => node.append({ kind: "refusal", capability: null }, bytes("r")),
    "a decommission": () => node.append({ kind: "decommission", nodeId: "shop-2", incarnation: "1" }, bytes("d")),
    "the meta record": () => node.append({ kind: "meta" }, bytes("meta")),
    "reading the members": () => node.read("fleet"),
    "reading every heartbeat": () => node.readBeats(),
    "watching the history": () => node.watchHistory(() => {}),
    compaction: () => node.compact(0),
  };
  for (const [what, attempt] of Object.entries(attempts)) {
    const error = await failure(attempt());
    expect(isTwostepError(error, FleetErrorCode.PermissionDenied), `${what}: ${error.message}`).toBe(true);
  }
});

test("a node's raw client may not purge the log or delete a message, and nobody may roll up its own subjects", async () => {
  const node = await asNode();
  const me = { nodeId: "shop-1", incarnation: "0c" };
  const revision = await node.append({ kind: "member", ...me }, bytes("member"));
  const beat = await node.beat(me, bytes("beat"), { expect: 0 });
  await using raw = await rawNats(server.url, { user: "shop-1", pass: "shop-1-secret" });
  await expect(raw.jsm.streams.purge("TWOSTEP_FLEET", { filter: "twostep.fleet.m.shop-1.0c" })).rejects.toThrow();
  await expect(raw.jsm.streams.deleteMessage("TWOSTEP_FLEET", revision)).rejects.toThrow();
  await expect(raw.jsm.streams.deleteMessage("KV_twostep_beats", beat)).rejects.toThrow();
  for (const subject of ["twostep.fleet.m.shop-1.0c", "$KV.twostep_beats.shop-1.0c"]) {
    const rollup = headers();
    rollup.set("Nats-Rollup", "all");
    await expect(raw.js.publish(subject, "rollup", { headers: rollup })).rejects.toThrow();
  }
  expect(textOf((await release.get({ kind: "member", ...me }))!.value)).toBe("member");
  expect((await release.readBeat(me))?.revision).toBe(beat);
});

test("a wrong password is AuthenticationFailedError at connect", async () => {
  const refused = await failure(asNode({ pass: "wrong" }));
  expect(isTwostepError(refused, FleetErrorCode.AuthenticationFailed)).toBe(true);
  expect(refused.message).toContain("refused the credentials");
});

test("release managers compact", async () => {
  await release.register([{ key: { kind: "member", nodeId: "gone", incarnation: "1" }, value: bytes("m") }]);
  await release.append({ kind: "member", nodeId: "gone", incarnation: "1" }, bytes("bye"), { tombstone: true });
  // Older than 0 ms: once the server's clock is past the tombstone's time.
  const tombstone = (await release.get({ kind: "member", nodeId: "gone", incarnation: "1" }))!;
  expect(tombstone.tombstone).toBe(true);
  await vi.waitFor(async () => expect(await release.serverTime()).toBeGreaterThan(tombstone.at));
  expect(await release.compact(0)).toBeGreaterThanOrEqual(1);
});
