import { readFile } from "node:fs/promises";
import { isTwostepError } from "@twostep/core";
import { Coordinator, FleetErrorCode, startNode, type Versioned, type WriteLevelRecord } from "@twostep/fleet";
import { connectNatsControlPlane, type NatsControlPlane, type NatsControlPlaneOptions } from "@twostep/nats";
import { startNatsServer, type NatsServer } from "@twostep/testkit/nats-server";
import { sampleAdvertisement, sampleAuditEntry, sampleMember, sampleWriteLevelRecord } from "@twostep/testkit/samples";
import { afterAll, afterEach, beforeAll, expect, test, vi } from "vitest";
import { orderProtocol } from "./support/order-protocol.js";

/** The server configuration of docs/nats.md, so that the documented example is the tested one. */
async function documentedConfig(): Promise<string> {
  const doc = await readFile(new URL("../../../docs/nats.md", import.meta.url), "utf8");
  const match = /<!-- example: nats-server\.conf -->\s*```conf\n([\s\S]*?)```/.exec(doc);
  if (match?.[1] === undefined) throw new Error("docs/nats.md lost its example nats-server.conf");
  return match[1];
}

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

async function failure(attempt: Promise<unknown>): Promise<Error> {
  return attempt.then(
    () => {
      throw new Error("expected a refusal");
    },
    (error: Error) => error,
  );
}

test("node credentials write their own advertisement and membership and read the levels, but may not change a level", async () => {
  const node = await asNode();
  await node.putAdvertisement(sampleAdvertisement("shop-1"));
  await node.putMember(sampleMember("shop-1"));
  expect((await release.getAdvertisement("shop-1"))?.advertisement).toEqual(sampleAdvertisement("shop-1"));
  expect(await release.getMember("shop-1")).toEqual(sampleMember("shop-1"));

  const revision = await release.compareAndSetLevel(sampleWriteLevelRecord("payments.Captured", 1), 0);
  expect(await node.listLevels()).toEqual([{ value: sampleWriteLevelRecord("payments.Captured", 1), revision }]);
  const seen: Versioned<WriteLevelRecord>[] = [];
  const watch = await node.watchLevels((record) => seen.push(record));
  expect(seen).toEqual([{ value: sampleWriteLevelRecord("payments.Captured", 1), revision }]);

  const refused = await failure(node.compareAndSetLevel(sampleWriteLevelRecord("payments.Captured", 2), revision));
  expect(isTwostepError(refused, FleetErrorCode.PermissionDenied)).toBe(true);
  expect(refused.message).toBe(
    "permission denied: compareAndSetLevel payments.Captured (publish on $KV.twostep_levels.payments_2ECaptured); " +
      "these credentials may not do that (release-manager credentials change levels, see docs/nats.md)",
  );
  expect(await release.getLevel("payments.Captured")).toEqual({ value: sampleWriteLevelRecord("payments.Captured", 1), revision });

  for (const attempt of [
    node.putAdvertisement(sampleAdvertisement("shop-2")),
    node.removeMember("shop-2"),
    node.appendAudit(sampleAuditEntry("e1", "payments.Captured")),
    node.readAudit(),
    node.watchAudit(() => {}),
  ]) {
    expect(isTwostepError(await failure(attempt), FleetErrorCode.PermissionDenied)).toBe(true);
  }

  await watch.stop();
  await node.removeAdvertisement("shop-1");
  await node.removeMember("shop-1");
  expect(await release.getMember("shop-1")).toBeUndefined();
});

test("a node runs on its restricted credentials and follows the level a release manager enables", async () => {
  const plane = await asNode();
  // The join guard requires every capability with a record, so this node also reads the one the first test set.
  const node = await startNode({
    controlPlane: plane,
    protocol: orderProtocol(3),
    features: { "payments.Captured": { reads: { min: 0, max: 5 } } },
    nodeId: "shop-1",
    service: "shop",
    build: "3.0.0",
    heartbeatMs: 100,
  });
  const coordinator = new Coordinator(release);
  await coordinator.enableWrite("orders.OrderPlaced", 3, { actor: "alice", reason: "every node reads v3" });
  await vi.waitFor(() => expect(node.writeLevel("orders.OrderPlaced")).toBe(3));
  await node.heartbeat();
  expect(node.fenced).toBe(false);
  await node.stop();
  expect(await release.getMember("shop-1")).toBeUndefined();
});

test("refused credentials give PermissionDeniedError at connect", async () => {
  const refused = await failure(asNode({ pass: "wrong" }));
  expect(isTwostepError(refused, FleetErrorCode.PermissionDenied)).toBe(true);
  expect(refused.message).toContain("connect");
});
