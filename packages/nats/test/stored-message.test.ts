import { AckPolicy, DeliverPolicy, type JsMsg } from "@nats-io/jetstream";
import { headers as natsHeaders } from "@nats-io/transport-node";
import { fromConsumer, parseAckSubject } from "@twostep/nats/internal";
import { type NatsServer, startNatsServer } from "@twostep/testkit/nats-server";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type RawNats, rawNats } from "./support/raw-nats.js";

// A read of a large fleet takes what it needs of each delivered message
// (its sequences, its time, whether it is a tombstone) without the client's
// parse of the reply subject and of every header. These tests hold that
// reading to the client's own, on messages a real server delivered and on
// every reply subject the server may write.

let server: NatsServer;
let raw: RawNats;

beforeAll(async () => {
  server = await startNatsServer();
  raw = await rawNats(server.url);
});
afterAll(async () => {
  await raw?.connection.close();
  await server?.stop();
});

const text = new TextEncoder();

function withHeaders(entries: readonly (readonly [string, string])[]) {
  const headers = natsHeaders();
  for (const [name, value] of entries) headers.append(name, value);
  return headers;
}

describe("a message a consumer delivered", () => {
  test("reads as the client reads it: sequences, bytes, whether it is a tombstone, and its time (cut at the ms, where the client may round up)", async () => {
    await raw.jsm.streams.add({ name: "DELIVERED", subjects: ["delivered.>"] });
    const sent: { subject: string; data: string; headers?: ReturnType<typeof withHeaders>; expect?: number }[] = [
      { subject: "delivered.plain", data: '{"a":1}' },
      { subject: "delivered.plain", data: '{"a":2}', expect: 1 },
      { subject: "delivered.deleted", data: "departure", headers: withHeaders([["KV-Operation", "DEL"]]) },
      { subject: "delivered.purged", data: "", headers: withHeaders([["KV-Operation", "PURGE"]]) },
      { subject: "delivered.other", data: "", headers: withHeaders([["KV-Operation", "PUT"]]) },
      {
        subject: "delivered.lookalike",
        data: "",
        headers: withHeaders([
          ["X-KV-Operation", "DEL"],
          ["kv-operation", "DEL"],
        ]),
      },
      {
        subject: "delivered.second",
        data: "",
        headers: withHeaders([
          ["Other", "1"],
          ["KV-Operation", "DEL"],
        ]),
      },
      { subject: "delivered.in-body", data: "NATS/1.0\r\nKV-Operation: DEL\r\n\r\n" },
      { subject: "delivered.in-body", data: "KV-Operation: DEL", headers: withHeaders([["Other", "x"]]) },
    ];
    for (const message of sent) {
      await raw.js.publish(message.subject, text.encode(message.data), {
        ...(message.headers === undefined ? {} : { headers: message.headers }),
        ...(message.expect === undefined ? {} : { expect: { lastSubjectSequence: message.expect } }),
      });
    }
    const info = await raw.jsm.consumers.add("DELIVERED", { ack_policy: AckPolicy.None, deliver_policy: DeliverPolicy.All, mem_storage: true });
    const consumer = await raw.js.consumers.get("DELIVERED", info.name);
    const delivered: JsMsg[] = [];
    const messages = await consumer.consume({ max_messages: 3 });
    for await (const message of messages) {
      delivered.push(message);
      if (delivered.length === sent.length) break;
    }
    const tombstones: string[] = [];
    const decoded: string[] = [];
    for (const message of delivered) {
      const read = fromConsumer(message);
      // The reply subject was read from the bytes the client holds: the client decoded no string of it (it keeps one once asked).
      expect((message as JsMsg & { readonly msg: { readonly _reply?: unknown } }).msg._reply).toBeUndefined();
      // Headers the client decoded (it does so once, when asked): only those whose bytes name the operation were.
      if ((message as JsMsg & { readonly msg: { readonly _headers?: unknown } }).msg._headers !== undefined) decoded.push(message.subject);
      const operation = message.headers?.get("KV-Operation");
      const tombstone = operation === "DEL" || operation === "PURGE";
      if (tombstone) tombstones.push(message.subject);
      expect(read).toEqual({
        subject: message.subject,
        seq: message.seq,
        data: message.data,
        tombstone,
        at: Number(message.timestampNanos / 1_000_000n),
        delivery: message.info.deliverySequence,
        pending: message.info.pending,
      });
    }
    expect(tombstones).toEqual(["delivered.deleted", "delivered.purged", "delivered.second"]);
    expect(decoded).toEqual(["delivered.deleted", "delivered.purged", "delivered.other", "delivered.lookalike", "delivered.second"]);
  });

  test("from a client that holds it otherwise than twostep knows, has its headers decoded to tell a tombstone", () => {
    const reply = "$JS.ACK.S.C.1.5.7.1700000000123456789.0";
    const message = (operation: string) =>
      ({ subject: "s", data: text.encode("x"), headers: withHeaders([["KV-Operation", operation]]), reply }) as unknown as JsMsg;
    expect(fromConsumer(message("DEL"))).toEqual({
      subject: "s",
      seq: 5,
      data: text.encode("x"),
      tombstone: true,
      at: 1_700_000_000_123,
      delivery: 7,
      pending: 0,
    });
    expect(fromConsumer(message("PUT")).tombstone).toBe(false);
  });
});

describe("the reply subject of a delivered message", () => {
  const token = fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/);
  const whole = fc.oneof(fc.nat(), fc.constant(Number.MAX_SAFE_INTEGER));
  const nanos = fc.bigInt({ min: 0n, max: 10n ** 19n });

  test("gives its sequences, its pending count and its time in ms, in the short form and the long one", () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        token,
        token,
        whole,
        whole,
        whole,
        nanos,
        whole,
        fc.array(token, { maxLength: 3 }),
        (long, stream, consumer, streamSeq, deliverySeq, delivered, ns, pending, extra) => {
          const numbers = `${delivered}.${streamSeq}.${deliverySeq}.${ns}.${pending}`;
          // The long form may carry more tokens after the pending count (a random one, today).
          const reply = long ? [`$JS.ACK.hub.ACCT.${stream}.${consumer}.${numbers}`, ...extra].join(".") : `$JS.ACK.${stream}.${consumer}.${numbers}`;
          expect(parseAckSubject(text.encode(reply))).toEqual({
            streamSequence: streamSeq,
            deliverySequence: deliverySeq,
            pending,
            at: Number(ns / 1_000_000n),
          });
        },
      ),
    );
  });

  test("that is not one is refused", () => {
    for (const reply of [
      "",
      "_INBOX.abc",
      "$JS.ACK.s.c.1.2.3.4",
      "$JS.ACK.d.s.c.1.2.3.4.5",
      "$JS.ACK.s.c.1.2.x.4.5",
      "$JS.ACK.s.c.1..3.4.5",
      "$JS.NAK.s.c.1.2.3.4.5",
      "$JS.ACK.d.a.s.c.1.2.3.4",
    ]) {
      expect(() => parseAckSubject(text.encode(reply)), reply).toThrow(/unable to parse delivery info/);
    }
  });
});
