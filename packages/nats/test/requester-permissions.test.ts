import { isTwostepError } from "@twostep/core";
import { Coordinator, type FleetNode, RolloutController, Rollouts, startNode } from "@twostep/fleet";
import { FleetErrorCode } from "@twostep/fleet/control-plane";
import { connectNatsControlPlane, type NatsControlPlane } from "@twostep/nats";
import { type NatsServer, startNatsServer } from "@twostep/testkit/nats-server";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { documentedConfig } from "./support/documented-config.js";
import { orderProtocol } from "./support/order-protocol.js";
import { bytes } from "./support/planes.js";

// A control plane in controller mode, on the documented server configuration:
// the rollout controller runs on release-manager credentials, the release
// manager on requester credentials, and the requester's changes happen only
// through the controller.

const TYPE = "orders.OrderPlaced";
const WHO = { actor: "bob", reason: "requester test" };

let server: NatsServer;
let release: NatsControlPlane;
let requester: NatsControlPlane;
let node: FleetNode;
let controller: RolloutController;

beforeAll(async () => {
  server = await startNatsServer({ config: await documentedConfig() });
  release = await connectNatsControlPlane({ servers: server.url, user: "release", pass: "release-secret" });
  await new Coordinator(release).init({ actor: "ops", reason: "only the controller writes" }, { mode: "controller" });
  const own = await connectNatsControlPlane({ servers: server.url, user: "shop-1", pass: "shop-1-secret", create: false });
  node = await startNode({ controlPlane: own, protocol: orderProtocol(3), nodeId: "shop-1", service: "shop", build: "3.0.0", heartbeatMs: 100 });
  controller = new RolloutController(release, { tickMs: 100 });
  controller.start();
  requester = await connectNatsControlPlane({ servers: server.url, user: "requester", pass: "requester-secret", create: false });
});

afterAll(async () => {
  await controller?.stop();
  await node?.stop();
  await requester?.close();
  await release?.close();
  await server?.stop();
});

test("a requester's change is applied by the controller, and the node follows it", async () => {
  const coordinator = new Coordinator(requester);
  const change = await coordinator.enableWrite(TYPE, 1, WHO);
  expect(change.changed).toBe(true);
  expect(change.after?.value.level).toBe(1);
  await vi.waitFor(() => expect(node.writeLevel(TYPE)).toBe(1));
  const history = await coordinator.history({ capability: TYPE });
  expect(history.find((entry) => entry.note.action === "enable-write")?.note.actor).toBe("bob");
  expect((await coordinator.status(TYPE)).capabilities[0]?.blockers).toEqual([]);
});

test("a requester starts a rollout, and the controller carries it out", async () => {
  const coordinator = new Coordinator(requester);
  await coordinator.enableWrite(TYPE, 1, WHO);
  const rollouts = new Rollouts(requester, coordinator);
  await rollouts.start(TYPE, { target: 2, steps: [{ percent: 100, where: null, bakeMs: 0 }], gates: [], intervalMs: 100 }, WHO);
  await vi.waitFor(async () => expect((await rollouts.get(TYPE))?.rollout.state).toBe("done"), { timeout: 30_000, interval: 100 });
  await vi.waitFor(() => expect(node.writeLevel(TYPE)).toBe(2));
});

test("a requester may write no record, refusal, decommission, member or lease of its own accord", async () => {
  const attempts: Record<string, () => Promise<unknown>> = {
    "a level record": () => requester.append({ kind: "level", capability: TYPE }, bytes("mine now")),
    "the meta record": () => requester.append({ kind: "meta" }, bytes("meta")),
    "a refusal": () => requester.append({ kind: "refusal", capability: null }, bytes("r")),
    "a decommission entry": () => requester.append({ kind: "decommission", nodeId: "shop-1", incarnation: node.incarnation }, bytes("d")),
    "a node's member": () => requester.append({ kind: "member", nodeId: "shop-1", incarnation: node.incarnation }, bytes("m"), { tombstone: true }),
    "a node's heartbeat": () => requester.beat({ nodeId: "shop-1", incarnation: node.incarnation }, bytes("b"), { expect: 0 }),
    "the controller's lease": () => requester.append({ kind: "controller" }, bytes("lease")),
  };
  for (const [what, attempt] of Object.entries(attempts)) {
    const error = await attempt().then(
      () => new Error(`${what} was allowed`),
      (reason: Error) => reason,
    );
    expect(isTwostepError(error, FleetErrorCode.PermissionDenied), `${what}: ${error.message}`).toBe(true);
  }
  expect(node.fenced).toBe(false);
});

test("a requester's decommission goes through the controller, which refuses it while the node's lease runs", async () => {
  const error = await new Coordinator(requester).decommission("shop-1", WHO).then(
    () => new Error("decommissioned a live node"),
    (reason: Error) => reason,
  );
  expect(isTwostepError(error, FleetErrorCode.UnsafeChange), error.message).toBe(true);
  expect(node.fenced).toBe(false);
});
