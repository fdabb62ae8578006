import { CoreErrorCode, encodeEnvelopeHead, isTwostepError } from "@twostep/core";
import { loadShopProtocol } from "@twostep/example-shop";
import { FleetErrorCode, startNode, type FleetNode } from "@twostep/fleet";
import { twostepRecordFormats } from "@twostep/fleet/internal";
import { connectNatsControlPlane, type NatsControlPlane } from "@twostep/nats";
import { startNatsServer, type NatsServer } from "@twostep/testkit/nats-server";
import { afterEach, expect, test } from "vitest";
import { runFuzzCampaign } from "./support/fuzz-campaign.js";

const { protocol } = loadShopProtocol();
// A new seed every run, so that CI explores; a failure names it, and FUZZ_SEED replays it.
const seed = Number(process.env["FUZZ_SEED"] ?? Math.floor(Math.random() * 2 ** 31));

// What the decoders promise is asserted here, not how fast they are: the campaign takes 2 s on an idle two-core machine and
// 17-23 s on a loaded one. `npm run fuzz` reports frames/s and the slowest frame, and fails on one slower than 50 ms.
test(`100,000 random and mutated frames through protocol.decode and FleetNode.decode: only typed errors, the two agree, every frame counted (seed ${seed})`, {
  timeout: 120_000,
}, () => {
  const report = runFuzzCampaign({ protocol, frames: 100_000, seed });
  expect(report.frames).toBe(100_000);
  expect(report.untyped, `seed ${seed}`).toEqual([]);
  expect(report.disagreements, `seed ${seed}`).toEqual([]);
  expect(
    Object.values(report.outcomes).reduce((sum, count) => sum + count, 0),
    `seed ${seed}: frames with an outcome`,
  ).toBe(100_000);
  // The frames reach every stage of decoding, not only the envelope check.
  expect(Object.keys(report.outcomes).sort()).toEqual(
    expect.arrayContaining(["ok", CoreErrorCode.CorruptFrame, CoreErrorCode.InvalidPayload, CoreErrorCode.UnknownType, CoreErrorCode.UnknownVersion].sort()),
  );
  for (const count of Object.values(report.outcomes)) expect(count).toBeGreaterThan(100);
});

let started: { server?: NatsServer; plane?: NatsControlPlane; node?: FleetNode } = {};
afterEach(async () => {
  const { server, plane, node } = started;
  started = {};
  await node?.stop().catch(() => {});
  await plane?.close();
  await server?.stop();
});

test("regression: frames of unknown versions are counted in one bucket, so the heartbeat stays small and keeps being stored", { timeout: 30_000 }, async () => {
  started.server = await startNatsServer();
  started.plane = await connectNatsControlPlane({ servers: started.server.url });
  started.node = await startNode({
    controlPlane: started.plane,
    protocol,
    nodeId: "shop-1",
    service: "shop",
    build: "1.0",
    heartbeatMs: 60_000,
    onDeadLetter: () => {},
  });
  const key = { nodeId: "shop-1", incarnation: started.node.incarnation };
  const first = await started.plane.readBeat(key);
  // 100,000 four-byte frames of orders.OrderPlaced, each naming another unknown version: garbage any reader may meet.
  let deadLetters = 0;
  for (let version = 3; version < 100_003; version++) if (started.node.decode(encodeEnvelopeHead(1, version * 37)) === undefined) deadLetters++;
  expect(deadLetters).toBe(100_000);
  await started.node.heartbeat();
  const stored = await started.plane.readBeat(key);
  expect(stored?.revision, "the heartbeat after the garbage was stored").toBeGreaterThan(first?.revision ?? Number.POSITIVE_INFINITY);
  const decoded = twostepRecordFormats.decode("heartbeat", stored?.value ?? new Uint8Array());
  if (!decoded.ok) throw new Error(`the stored heartbeat cannot be read: ${decoded.problem}`);
  // Versions far above what the build reads all count under "?": one counter, whatever the garbage named.
  expect(decoded.value.frames["orders.OrderPlaced"]).toEqual({ "?": [0, 0, 100_000] });
});

test("regression: a heartbeat over the server's max payload is refused with a typed INVALID_REQUEST", { timeout: 30_000 }, async () => {
  started.server = await startNatsServer();
  started.plane = await connectNatsControlPlane({ servers: started.server.url });
  // 1.5 MiB: above nats-server's default max_payload of 1 MiB.
  const error = await started.plane.beat({ nodeId: "shop-1", incarnation: "1" }, new Uint8Array(1_500_000), { expect: 0 }).catch((reason: unknown) => reason);
  expect(error).toBeInstanceOf(Error);
  expect(isTwostepError(error, FleetErrorCode.InvalidRequest), String(error)).toBe(true);
  expect((error as Error).message).toMatch(/max_payload/);
  // Refused before it was sent: nothing was stored, and the connection still works.
  expect(await started.plane.readBeat({ nodeId: "shop-1", incarnation: "1" })).toBeUndefined();
});
