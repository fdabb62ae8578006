import { isTwostepError } from "@twostep/core";
import { FleetErrorCode, type Versioned, type WriteLevelRecord } from "@twostep/fleet";
import { connectNatsControlPlane, type NatsControlPlane } from "@twostep/nats";
import { startNatsServer, type NatsServer } from "@twostep/testkit/nats-server";
import { sampleMember, sampleWriteLevelRecord } from "@twostep/testkit/samples";
import { afterEach, beforeEach, expect, test, vi } from "vitest";

let server: NatsServer;
const planes: NatsControlPlane[] = [];

beforeEach(async () => {
  server = await startNatsServer();
});

afterEach(async () => {
  await Promise.all(planes.splice(0).map((plane) => plane.close()));
  await server.stop();
});

async function open(): Promise<NatsControlPlane> {
  const plane = await connectNatsControlPlane({ servers: server.url, timeoutMs: 1_000 });
  planes.push(plane);
  return plane;
}

test("after a server restart the control plane keeps its state and works on, and watchLevels delivers the changes made after it", async () => {
  const plane = await open();
  const seen: Versioned<WriteLevelRecord>[] = [];
  await plane.watchLevels((record) => seen.push(record));
  const first = await plane.compareAndSetLevel(sampleWriteLevelRecord("orders.OrderPlaced", 1), 0);
  await plane.putMember(sampleMember("node-1"));
  await vi.waitFor(() => expect(seen.map((record) => record.revision)).toEqual([first]));

  await server.restart();
  // The client reconnects by itself (within its reconnect wait); until then calls fail with their timeout.
  await vi.waitFor(async () => expect(await plane.getMember("node-1")).toEqual(sampleMember("node-1")), { timeout: 15_000, interval: 250 });
  expect(await plane.getLevel("orders.OrderPlaced")).toEqual({ value: sampleWriteLevelRecord("orders.OrderPlaced", 1), revision: first });

  const second = await plane.compareAndSetLevel(sampleWriteLevelRecord("orders.OrderPlaced", 2), first);
  const other = await open();
  const third = await other.compareAndSetLevel(sampleWriteLevelRecord("orders.OrderPlaced", 3), second);
  await vi.waitFor(() => expect(seen.map((record) => record.revision)).toEqual([first, second, third]), { timeout: 10_000 });
  expect(seen.at(-1)?.value).toEqual(sampleWriteLevelRecord("orders.OrderPlaced", 3));
});

test("while the server is down, calls fail with ControlPlaneUnreachableError after their timeout", async () => {
  const plane = await open();
  await server.stop();
  const started = Date.now();
  const error = await plane.getLevel("orders.OrderPlaced").catch((reason: unknown) => reason);
  expect(isTwostepError(error, FleetErrorCode.Unreachable)).toBe(true);
  expect(Date.now() - started).toBeLessThan(5_000);
});
