import { isTwostepError } from "@twostep/core";
import { FleetErrorCode, type Coordinator, type FleetStatus } from "@twostep/fleet";
import { startNatsServer, type NatsServer } from "@twostep/testkit/nats-server";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { SHIPMENT } from "./support/shipment-protocol.js";
import { TestFleet } from "./support/test-fleet.js";

const author = { actor: "reliability", reason: "restart under load" };
const staleAfterMs = 2_000;

let server: NatsServer | undefined;
let fleet: TestFleet | undefined;

beforeAll(async () => {
  server = await startNatsServer();
  // Heartbeats ten times a second and a TTL of 4 s: a node that does not come back shows within the test.
  fleet = new TestFleet({ servers: [server.url], heartbeatMs: 100, advertisementTtlMs: 4_000, timeoutMs: 1_000 });
});

afterAll(async () => {
  await fleet?.close();
  await server?.stop();
});

/** Who of the status's members cannot read a level some node writes now. */
function unreadableByMembers(fleet: TestFleet, status: FleetStatus): string[] {
  const written = [...fleet.writeLevels()];
  return status.members.flatMap((member) => {
    const reads = member.capabilities[SHIPMENT]?.reads;
    return written.filter((level) => reads === undefined || level < reads.min || level > reads.max).map((level) => `${member.nodeId} cannot read v${level}`);
  });
}

async function expectRecovered(coordinator: Coordinator, since: number): Promise<FleetStatus> {
  let status: FleetStatus | undefined;
  await vi.waitFor(
    async () => {
      status = await coordinator.status(SHIPMENT);
      // A heartbeat stored after the restart: the node re-advertised, it is not the old advertisement surviving in the store.
      expect(status.members.filter((member) => member.state !== "live" || (member.lastSeen ?? 0) < since).map((member) => member.nodeId)).toEqual([]);
      expect(status.capabilities[0]?.blockers).toEqual([]);
    },
    { timeout: 15_000, interval: 200 },
  );
  return status as FleetStatus;
}

test("a nats-server restarted under load: nodes re-advertise, status shows no blocker, the next level can be enabled, and no writer ever uses a level a member cannot read", {
  timeout: 45_000,
}, async () => {
  if (server === undefined || fleet === undefined) throw new Error("beforeAll failed");
  const coordinator = await fleet.coordinator({ staleAfterMs });
  for (let index = 1; index <= 4; index++) await fleet.startNode(`new-${index}`, 3);
  for (let index = 1; index <= 2; index++) await fleet.startNode(`old-${index}`, 2);
  await coordinator.enableWrite(SHIPMENT, 1, author);
  await coordinator.enableWrite(SHIPMENT, 2, { ...author, percent: 30 });
  await vi.waitFor(() => expect(fleet?.nodes.map((node) => node.record(SHIPMENT)?.ramp?.percent)).toEqual([30, 30, 30, 30, 30, 30]));
  fleet.startTraffic(20);
  // The ramp sends some keys to v2 and leaves others on v1: the writers' check covers both levels.
  expect([...fleet.writeLevels()].sort()).toEqual([1, 2]);
  const before = await coordinator.status(SHIPMENT);
  expect(unreadableByMembers(fleet, before)).toEqual([]);
  expect(before.members).toHaveLength(6);

  const roundsBefore = fleet.rounds;
  const restartedAt = Date.now();
  await server.restart();
  const recovered = await expectRecovered(coordinator, restartedAt);
  expect(recovered.capabilities[0]?.record).toMatchObject({ level: 1, ramp: { to: 2, percent: 30 } });
  expect(unreadableByMembers(fleet, recovered)).toEqual([]);
  expect(fleet.rounds - roundsBefore, "traffic went on while the server restarted").toBeGreaterThan(10);

  const enabled = await coordinator.enableWrite(SHIPMENT, 2, author);
  expect(enabled.changed).toBe(true);
  // The nodes' watches came back after the restart: they follow the change.
  await vi.waitFor(() => expect(fleet?.nodes.map((node) => node.record(SHIPMENT)?.level)).toEqual([2, 2, 2, 2, 2, 2]), { timeout: 10_000 });
  expect([...fleet.writeLevels()]).toEqual([2]);
  expect(unreadableByMembers(fleet, await coordinator.status(SHIPMENT))).toEqual([]);

  // v3 stays refused: the old builds cannot read it, restart or not.
  const refused = await coordinator.enableWrite(SHIPMENT, 3, author).catch((error: unknown) => error);
  expect(isTwostepError(refused, FleetErrorCode.UnsafeChange), String(refused)).toBe(true);
  expect((refused as { blockers: { nodeId: string; reason: string }[] }).blockers.map((blocker) => `${blocker.nodeId}:${blocker.reason}`).sort()).toEqual([
    "old-1:no-reader",
    "old-2:no-reader",
  ]);

  fleet.stopTraffic();
  expect(fleet.violations).toEqual([]);
  expect(fleet.deadLetters.map((letter) => `${letter.nodeId}: ${letter.error.code}`)).toEqual([]);
  const history = await coordinator.history({ capability: SHIPMENT });
  expect(history.map((entry) => `${entry.action} ${entry.request}`)).toEqual([
    "enable-write enable v1",
    "enable-write enable v2 at 30% by key",
    "enable-write enable v2",
    "refused enable v3",
  ]);
});
