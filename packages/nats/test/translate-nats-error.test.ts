import { JetStreamApiError } from "@nats-io/jetstream";
import { PermissionViolationError, TimeoutError } from "@nats-io/transport-node";
import { isTwostepError } from "@twostep/core";
import { FleetErrorCode } from "@twostep/fleet/control-plane";
import { translateNatsError } from "@twostep/nats/internal";
import { expect, test } from "vitest";

const context = { operation: "append level a", servers: "nats://n1:4222", prefix: "twostep" };

function apiError(code: number): JetStreamApiError {
  return new JetStreamApiError({ code: 503, err_code: code, description: "from the server" });
}

test("JetStream codes become typed errors by code, never by message", () => {
  const cases: [number, string][] = [
    [10008, FleetErrorCode.Unreachable],
    [10059, FleetErrorCode.Misconfigured],
    [10039, FleetErrorCode.Misconfigured],
  ];
  for (const [code, expected] of cases) {
    const translated = translateNatsError(apiError(code), context) as Error;
    expect(isTwostepError(translated, expected as never), `${code}: ${translated.message}`).toBe(true);
    expect(translated.cause).toBeInstanceOf(JetStreamApiError);
  }
  expect((translateNatsError(apiError(10008), context) as Error).message).toContain("temporarily unavailable");
});

test("a permissions violation names the operation, the subject and who may", () => {
  const violation = new PermissionViolationError("Permissions Violation for Publish to x", "publish", "twostep.fleet.r.s.l.a");
  const translated = translateNatsError(new Error("wrapped", { cause: violation }), context) as Error & { operation?: string };
  expect(isTwostepError(translated, FleetErrorCode.PermissionDenied)).toBe(true);
  expect(translated.operation).toBe("append level a");
  expect(translated.message).toContain("publish on twostep.fleet.r.s.l.a");
  expect(translated.message).toContain("release-manager credentials");
});

test("a timeout says where and what to check; an unknown error passes unchanged", () => {
  const translated = translateNatsError(new TimeoutError(), context) as Error;
  expect(isTwostepError(translated, FleetErrorCode.Unreachable)).toBe(true);
  expect(translated.message).toContain("nats://n1:4222");
  expect(translated.message).toContain("--nats or TWOSTEP_NATS_URL");
  const other = new RangeError("something else");
  expect(translateNatsError(other, context)).toBe(other);
});
