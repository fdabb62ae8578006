import { isTwostepError } from "@twostep/core";
import { FleetErrorCode, type Coordinator, type FleetStatus } from "@twostep/fleet";
import { startNatsServer, type NatsServer } from "@twostep/testkit/nats-server";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { SHIPMENT } from "./support/shipment-protocol.js";
import { TestFleet } from "./support/test-fleet.js";

const author = { actor: "reliability", reason: "restart under load" };

let server: NatsServer | undefined;
let fleet: TestFleet | undefined;

beforeAll(async () => {
  server = await startNatsServer();
  // Heartbeats ten times a second (the nodes' lease is the default 15 s); heartbeats expire after 60 s.
  fleet = new TestFleet({ servers: [server.url], heartbeatMs: 100, beatTtlMs: 60_000, timeoutMs: 5_000 });
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

/** Each member as `node@incarnation`, sorted. */
function incarnations(status: FleetStatus): string[] {
  return status.members.map((member) => `${member.nodeId}@${member.incarnation}`).sort();
}

/** Waits until every member is live on a heartbeat the server stored after `since` (its clock), and nobody blocks the next level. */
async function expectRecovered(coordinator: Coordinator, since: number): Promise<FleetStatus> {
  let status: FleetStatus | undefined;
  await vi.waitFor(
    async () => {
      status = await coordinator.status(SHIPMENT);
      expect(status.members.filter((member) => member.state !== "live" || (member.lastSeen ?? 0) <= since).map((member) => member.nodeId)).toEqual([]);
      expect(status.capabilities[0]?.blockers).toEqual([]);
    },
    { timeout: 30_000, interval: 200 },
  );
  return status as FleetStatus;
}

test("a nats-server restarted under load: nodes keep their leases or renew them, status shows every member live and no blocker, the next level can be enabled, no writer ever uses a level a member cannot read, and the history holds exactly the changes made", {
  timeout: 120_000,
}, async () => {
  if (server === undefined || fleet === undefined) throw new Error("beforeAll failed");
  const coordinator = await fleet.coordinator();
  for (let index = 1; index <= 4; index++) await fleet.startNode(`new-${index}`, 3);
  for (let index = 1; index <= 2; index++) await fleet.startNode(`old-${index}`, 2);
  // Writes are closed until a level is enabled: the traffic starts after v1.
  await coordinator.enableWrite(SHIPMENT, 1, author);
  await coordinator.enableWrite(SHIPMENT, 2, { ...author, percent: 30 });
  await vi.waitFor(() => expect(fleet?.records().map((record) => record.ramp?.percent)).toEqual([30, 30, 30, 30, 30, 30]), { timeout: 30_000 });
  fleet.startTraffic(20);
  // The ramp sends some keys to v2 and leaves others on v1: the writers' check covers both levels.
  expect([...fleet.writeLevels()].sort()).toEqual([1, 2]);
  const before = await coordinator.status(SHIPMENT);
  expect(unreadableByMembers(fleet, before)).toEqual([]);
  expect(before.members).toHaveLength(6);

  const roundsBefore = fleet.rounds;
  await server.restart();
  // A time on the server's clock after it came back: heartbeats stored later were sent to the restarted server. Calls made before
  // the coordinator's connection is back fail with CONTROL_PLANE_UNREACHABLE after their timeout; a status is a read, safe to repeat.
  const back = await vi.waitFor(async () => (await coordinator.status(SHIPMENT)).at, { timeout: 30_000, interval: 200 });
  const recovered = await expectRecovered(coordinator, back);
  // The same incarnations as before: every node kept its membership, none had to join again, none is left behind.
  expect(incarnations(recovered)).toEqual(incarnations(before));
  expect(recovered.capabilities[0]?.record).toMatchObject({ level: 1, ramp: { to: 2, percent: 30 } });
  expect(unreadableByMembers(fleet, recovered)).toEqual([]);
  // Every node writes again (its lease held or was renewed); a fence, if the restart outlasted a lease, was a lease's and ended.
  expect(fleet.nodes.filter((node) => node.fenced).map((node) => `${node.nodeId}: ${node.fence?.message}`)).toEqual([]);
  expect(fleet.fences.filter((fence) => !fence.includes("its lease ran out"))).toEqual([]);
  await vi.waitFor(() => expect(fleet?.rounds, "traffic goes on after the restart").toBeGreaterThan(roundsBefore + 10), { timeout: 30_000 });

  const enabled = await coordinator.enableWrite(SHIPMENT, 2, author);
  expect(enabled.changed).toBe(true);
  // The nodes follow the change through the restarted server.
  await vi.waitFor(() => expect(fleet?.records().map((record) => record.level)).toEqual([2, 2, 2, 2, 2, 2]), { timeout: 30_000 });
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
  // Exactly the changes made, each once, in order (the intents that prepare a change that newly requires a level left out).
  const history = await coordinator.history({ capability: SHIPMENT });
  expect(history.filter((entry) => entry.note.action !== "intent").map((entry) => `${entry.note.action} ${entry.note.request}`)).toEqual([
    "enable-write enable v1",
    "enable-write enable v2 at 30% by key",
    "enable-write enable v2",
    "refused enable v3",
  ]);
});
