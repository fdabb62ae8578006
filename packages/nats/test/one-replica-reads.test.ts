import { type NatsServer, startNatsServer } from "@twostep/testkit/nats-server";
import { afterAll, afterEach, beforeAll, expect, test, vi } from "vitest";
import { bytes, Planes } from "./support/planes.js";
import { rawNats } from "./support/raw-nats.js";

let server: NatsServer;
const planes = new Planes(() => server.url);

beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server?.stop();
});
afterEach(() => planes.closeAll());

test("a read on a one-replica stream whose server is slow to answer asks for one consumer, not another every 500 ms", async () => {
  const prefix = planes.prefix();
  const plane = await planes.open({ bucketPrefix: prefix, timeoutMs: 30_000 });
  const stream = plane.layout.fleetStream;
  await using raw = await rawNats(server.url);
  const asked: string[] = [];
  for (const subject of [`$JS.API.CONSUMER.CREATE.${stream}`, `$JS.API.CONSUMER.CREATE.${stream}.>`, `${prefix}.fleet.r.s.l.after`]) {
    raw.connection.subscribe(subject, { callback: (_, message) => void asked.push(message.subject) });
  }
  await raw.connection.flush();
  await server.pause();
  const read = plane.read("records");
  // Frozen for longer than three hedging periods: a hedging read would have asked for three consumers or more by now.
  await new Promise((resolve) => setTimeout(resolve, 1_600));
  await server.resume();
  await read;
  // Sent on the plane's connection after every creation the read asked for, so delivered after them.
  await plane.append({ kind: "level", capability: "after" }, bytes("x"));
  await vi.waitFor(() => expect(asked.at(-1)).toBe(`${prefix}.fleet.r.s.l.after`));
  expect(asked.filter((subject) => subject.startsWith("$JS.API.CONSUMER.CREATE."))).toHaveLength(1);
});
