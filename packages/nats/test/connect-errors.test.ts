import { TimeoutError } from "@nats-io/transport-node";
import { isTwostepError } from "@twostep/core";
import { FleetErrorCode } from "@twostep/fleet/control-plane";
import { connectNatsControlPlane } from "@twostep/nats";
import { startNatsServer } from "@twostep/testkit/nats-server";
import { expect, test } from "vitest";
import { bytes } from "./support/planes.js";
import { silentServer } from "./support/silent-server.js";
import { failure } from "../../fleet/test/support/outcomes.js";

/** True when a `TimeoutError` of the NATS client is among the causes of `error`, itself included. */
function causedByTimeout(error: Error): boolean {
  let cause: unknown = error;
  for (let depth = 0; cause instanceof Error && depth < 10; depth++, cause = cause.cause) {
    if (cause instanceof TimeoutError) return true;
  }
  return false;
}

test("a host that does not resolve is ControlPlaneUnreachableError naming the host", async () => {
  const error = await failure(connectNatsControlPlane({ servers: "nats://twostep-no-such-host.invalid:4222" }));
  expect(isTwostepError(error, FleetErrorCode.Unreachable)).toBe(true);
  expect(error.message).toContain("cannot resolve the NATS host twostep-no-such-host.invalid");
  expect(error.message).toContain("TWOSTEP_NATS_URL");
});

test("a URL that does not parse is InvalidRequestError", async () => {
  for (const servers of ["nats://bad host:4222", "nats://127.0.0.1:99999"]) {
    const error = await failure(connectNatsControlPlane({ servers }));
    expect(isTwostepError(error, FleetErrorCode.InvalidRequest), error.message).toBe(true);
  }
});

test("nobody listening is ControlPlaneUnreachableError at once", async () => {
  await using silent = await silentServer();
  const port = Number(new URL(silent.url).port);
  await silent.close();
  const error = await failure(connectNatsControlPlane({ servers: `nats://127.0.0.1:${port}` }));
  expect(isTwostepError(error, FleetErrorCode.Unreachable)).toBe(true);
  // Ended by the refusal itself, not by waiting out the timeout.
  expect(error.message).not.toContain("(timeout)");
});

test("a hung server: connecting fails when timeoutMs runs out, not after retries", async () => {
  await using silent = await silentServer();
  const error = await failure(connectNatsControlPlane({ servers: silent.url, timeoutMs: 1_000 }));
  expect(isTwostepError(error, FleetErrorCode.Unreachable)).toBe(true);
  // Ended by the call's timeout after one connection, not by a minute of reconnects.
  expect(error.message).toContain("(timeout)");
  expect(silent.connections()).toBe(1);
});

test("with the server hung, every call fails with ControlPlaneUnreachableError when its timeout runs out (twice for reads), and works again once it answers", async () => {
  await using server = await startNatsServer();
  const plane = await connectNatsControlPlane({ servers: server.url, bucketPrefix: "hung", timeoutMs: 1_000 });
  try {
    const member = { kind: "member", nodeId: "n", incarnation: "1" } as const;
    const beat = { nodeId: "n", incarnation: "1" };
    await plane.append(member, bytes("m"));
    const calls: Record<string, () => Promise<unknown>> = {
      append: () => plane.append(member, bytes("m2")),
      register: () => plane.register([{ key: member, value: bytes("m3") }]),
      read: () => plane.read("fleet"),
      get: () => plane.get(member),
      history: () => plane.history(),
      watchHistory: () => plane.watchHistory(() => {}),
      follow: () => plane.follow({ onSnapshot: () => {}, onEntry: () => {} }),
      beat: () => plane.beat(beat, bytes("b"), { expect: 0 }),
      readBeats: () => plane.readBeats(),
      readBeat: () => plane.readBeat(beat),
      serverTime: () => plane.serverTime(),
      compact: () => plane.compact(0),
    };
    await server.pause();
    try {
      const outcomes = await Promise.all(
        Object.entries(calls).map(async ([name, call]) => {
          const error = await call().then(
            () => new Error(`${name} answered while the server was paused`),
            (reason: Error) => reason,
          );
          return { name, code: (error as { code?: string }).code, message: error.message, timedOut: causedByTimeout(error) };
        }),
      );
      for (const { name, code, message, timedOut } of outcomes) {
        expect(code, `${name}: ${message}`).toBe(FleetErrorCode.Unreachable);
        // Ended by its timeout, and says so.
        expect(timedOut, `${name}: ${message}`).toBe(true);
        expect(message, name).toContain("(timeout)");
      }
    } finally {
      server.resume();
    }
    expect((await plane.get(member))?.revision).toBeGreaterThan(0);
  } finally {
    await plane.close();
  }
});
