import { startNatsServer, type NatsServer } from "@twostep/testkit/nats-server";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { followStream, readStreamByGets } from "../src/follow-stream.js";
import { rawNats, type RawNats } from "./support/raw-nats.js";

let server: NatsServer;
let nats: RawNats;

beforeAll(async () => {
  server = await startNatsServer();
  nats = await rawNats(server.url);
  await nats.jsm.streams.add({ name: "FOLLOW", subjects: ["follow.>"] });
});

afterAll(async () => {
  await nats?.connection.close();
  await server?.stop();
});

test("readStreamByGets reads the filter's messages up to the sequence, in order, through the leader", async () => {
  await nats.jsm.streams.add({ name: "GETS", subjects: ["gets.>"] });
  for (const subject of ["gets.a", "gets.b", "gets.a", "gets.c", "gets.a.x", "gets.b"]) await nats.js.publish(subject, subject);
  const read = async (filter: string, until: number): Promise<string[]> => {
    const seen: string[] = [];
    await readStreamByGets(nats.jsm, { stream: "GETS", filter, untilSequence: until, onMessage: (message) => seen.push(`${message.seq}:${message.subject}`) });
    return seen;
  };
  expect(await read("gets.a", 6)).toEqual(["1:gets.a", "3:gets.a"]);
  expect(await read("gets.*", 5)).toEqual(["1:gets.a", "2:gets.b", "3:gets.a", "4:gets.c"]);
  expect(await read("gets.>", 6)).toEqual(["1:gets.a", "2:gets.b", "3:gets.a", "4:gets.c", "5:gets.a.x", "6:gets.b"]);
  expect(await read("gets.a", 0)).toEqual([]);
});

test("a follower whose consumer disappears creates a new one after the last sequence delivered: nothing skipped, nothing twice", async () => {
  await nats.js.publish("follow.a", "1");
  const seen: number[] = [];
  const lost: unknown[] = [];
  const followed = await followStream(nats.js, nats.jsm, {
    stream: "FOLLOW",
    filter: "follow.>",
    deliver: "all",
    idleTimeoutMs: 1_000,
    onMessage: (message) => seen.push(message.seq),
    onLost: (reason) => lost.push(reason),
  });
  try {
    await followed.caughtUp;
    await nats.js.publish("follow.b", "2");
    await vi.waitFor(() => expect(seen).toEqual([1, 2]));
    // As if its server went away: the consumer is gone. Messages stored meanwhile must arrive after the recovery.
    for await (const consumer of await nats.jsm.consumers.list("FOLLOW")) await nats.jsm.consumers.delete("FOLLOW", consumer.name);
    await nats.js.publish("follow.a", "3");
    await nats.js.publish("follow.c", "4");
    await vi.waitFor(() => expect(seen).toEqual([1, 2, 3, 4]), { timeout: 8_000 });
    expect(lost.length).toBeGreaterThan(0);
    await nats.js.publish("follow.b", "5");
    await vi.waitFor(() => expect(seen).toEqual([1, 2, 3, 4, 5]));
  } finally {
    await followed.stop();
  }
  // Stopped: nothing more, and its consumer is gone.
  await nats.js.publish("follow.a", "6");
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(seen).toEqual([1, 2, 3, 4, 5]);
  await vi.waitFor(async () => {
    const names: string[] = [];
    for await (const consumer of await nats.jsm.consumers.list("FOLLOW")) names.push(consumer.name);
    expect(names).toEqual([]);
  });
});
