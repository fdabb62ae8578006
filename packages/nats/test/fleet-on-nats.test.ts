import { isTwostepError } from "@twostep/core";
import { Coordinator, FleetErrorCode, requiredLevels, startNode, type Change, type FleetNode } from "@twostep/fleet";
import { connectNatsControlPlane, type NatsControlPlane } from "@twostep/nats";
import { startNatsServer, type NatsServer } from "@twostep/testkit/nats-server";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { orderProtocol } from "./support/order-protocol.js";

let server: NatsServer;

beforeAll(async () => {
  server = await startNatsServer();
});

afterAll(async () => {
  await server?.stop();
});

describe("Coordinator and nodes of @twostep/fleet on the NATS control plane", () => {
  const planes: NatsControlPlane[] = [];
  const nodes: FleetNode[] = [];
  let prefixes = 0;
  let prefix = "";
  const open = async (): Promise<NatsControlPlane> => {
    const plane = await connectNatsControlPlane({ servers: server.url, bucketPrefix: prefix });
    planes.push(plane);
    return plane;
  };
  const start = async (nodeId: string, newest: number, features: Record<string, { reads: { min: number; max: number } }> = {}): Promise<FleetNode> => {
    const node = await startNode({
      controlPlane: await open(),
      protocol: orderProtocol(newest),
      features,
      nodeId,
      service: "shop",
      build: `v${newest}`,
      heartbeatMs: 200,
    });
    nodes.push(node);
    return node;
  };
  const author = (actor: string) => ({ actor, reason: "race test" });

  // Each test gets buckets of its own: the join guard requires every capability ever enabled.
  beforeEach(() => {
    prefix = `fleet${++prefixes}`;
  });
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((node) => node.stop()));
    await Promise.all(planes.splice(0).map((plane) => plane.close()));
  });

  test("two coordinators racing enableWrite from two connections: at most one changes the record, the other conflicts or finds it done", async () => {
    const capabilities = Array.from({ length: 8 }, (_, index) => `feature.race${index}`);
    const features = Object.fromEntries(capabilities.map((capability) => [capability, { reads: { min: 0, max: 3 } }]));
    await start("reader", 2, features);
    const [left, right] = [new Coordinator(await open()), new Coordinator(await open())];
    for (const capability of capabilities) {
      await left.enableWrite(capability, 1, author("setup"));
      const outcomes = await Promise.allSettled([left.enableWrite(capability, 2, author("left")), right.enableWrite(capability, 2, author("right"))]);
      const changes = outcomes.filter((outcome): outcome is PromiseFulfilledResult<Change> => outcome.status === "fulfilled").map((outcome) => outcome.value);
      expect(changes.filter((change) => change.changed)).toHaveLength(1);
      for (const outcome of outcomes) {
        if (outcome.status === "rejected") expect(isTwostepError(outcome.reason, FleetErrorCode.RevisionConflict), String(outcome.reason)).toBe(true);
      }
      const record = (await left.status(capability)).capabilities[0]?.record;
      expect(record).toMatchObject({ level: 2, intent: null, everWritten: [1, 2] });
      const history = await left.history({ capability });
      expect(history.filter((entry) => entry.action === "enable-write" && entry.request === "enable v2")).toHaveLength(1);
    }
  });

  test("an old build booting while a level is enabled: either the enable is refused or withdrawn, or the node is refused, never both succeed", async () => {
    for (let round = 0; round < 12; round++) {
      prefix = `boot${prefixes}x${round}`;
      const coordinator = new Coordinator(await open());
      await coordinator.enableWrite("orders.OrderPlaced", 1, author("setup"));
      await start("new-1", 2);
      const plane = await open();
      const booting = (async () => {
        // Vary where the boot lands in the coordinator's check, commit, re-check.
        if (round % 2 === 0) for (let turn = 0; turn < round * 2; turn++) await new Promise((resolve) => setImmediate(resolve));
        else await new Promise((resolve) => setTimeout(resolve, round * 2));
        return startNode({ controlPlane: plane, protocol: orderProtocol(1), nodeId: "old-1", service: "shop", build: "v1", heartbeatMs: 200 });
      })();
      const [enable, boot] = await Promise.allSettled([coordinator.enableWrite("orders.OrderPlaced", 2, author("alice")), booting]);
      if (boot.status === "fulfilled") nodes.push(boot.value);
      if (enable.status === "fulfilled") {
        expect(boot.status === "rejected" && isTwostepError(boot.reason, FleetErrorCode.JoinRefused), `round ${round}: v2 enabled while old-1 joined`).toBe(
          true,
        );
      } else {
        expect(isTwostepError(enable.reason, FleetErrorCode.UnsafeChange), `round ${round}: ${String(enable.reason)}`).toBe(true);
      }
      const record = (await coordinator.status("orders.OrderPlaced")).capabilities[0]?.record;
      expect(record?.intent).toBeNull();
      await Promise.all(nodes.splice(0).map((node) => node.stop()));
    }
  });

  test("racing enables of different levels never leave a level required that a member cannot read", async () => {
    await start("reads-2", 2, { "feature.split": { reads: { min: 0, max: 2 } } });
    const [left, right] = [new Coordinator(await open()), new Coordinator(await open())];
    await left.enableWrite("feature.split", 1, author("setup"));
    const outcomes = await Promise.allSettled([left.enableWrite("feature.split", 2, author("left")), right.enableWrite("feature.split", 3, author("right"))]);
    expect(outcomes[0].status).toBe("fulfilled");
    expect(outcomes[1].status).toBe("rejected");
    const reason = outcomes[1].status === "rejected" ? outcomes[1].reason : undefined;
    expect(isTwostepError(reason, FleetErrorCode.UnsafeChange) || isTwostepError(reason, FleetErrorCode.RevisionConflict)).toBe(true);
    const record = (await left.status("feature.split")).capabilities[0]?.record;
    expect(record === null || record === undefined ? [] : requiredLevels(record)).toEqual([1, 2]);
  });

  test("a node on an old build is refused by the join guard once a level it cannot read is enabled", async () => {
    const coordinator = new Coordinator(await open());
    await start("new-1", 2);
    const old = await start("old-1", 1);
    await coordinator.enableWrite("orders.OrderPlaced", 1, author("alice"));
    const blocked = await coordinator.enableWrite("orders.OrderPlaced", 2, author("alice")).catch((error: unknown) => error);
    expect(isTwostepError(blocked, FleetErrorCode.UnsafeChange)).toBe(true);
    expect((blocked as Error).message).toContain("old-1");

    await old.stop();
    nodes.splice(nodes.indexOf(old), 1);
    await coordinator.enableWrite("orders.OrderPlaced", 2, author("alice"));

    const plane = await open();
    const refused = await startNode({ controlPlane: plane, protocol: orderProtocol(1), nodeId: "old-2", service: "shop", build: "v1" }).catch(
      (error: unknown) => error,
    );
    expect(isTwostepError(refused, FleetErrorCode.JoinRefused)).toBe(true);
    expect((refused as Error).message).toMatch(/old-2 refuses to start[\s\S]*the fleet writes v2[\s\S]*set by alice/);
    expect(await plane.getMember("old-2")).toBeUndefined();
    expect(await plane.getAdvertisement("old-2")).toBeUndefined();
  });
});
