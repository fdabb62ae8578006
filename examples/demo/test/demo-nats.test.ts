import type { ControlPlane } from "@twostep/fleet";
import { runDemo } from "@twostep/example-demo";
import { type NatsServer, startNatsServer } from "@twostep/testkit/nats-server";
import { afterAll, beforeAll, expect, test } from "vitest";

/** `@twostep/nats`, loaded by name and typed by what this test needs of it: the package is being rewritten for the log-based control plane. */
const NATS_PACKAGE = "@twostep/nats";

interface NatsPackage {
  connectNatsControlPlane(options: { readonly servers: string }): Promise<ControlPlane>;
}

let server: NatsServer;

beforeAll(async () => {
  server = await startNatsServer();
});

afterAll(async () => {
  await server.stop();
});

test("the same rollout on a real NATS control plane loses nothing", async (context) => {
  const { connectNatsControlPlane } = (await import(NATS_PACKAGE)) as NatsPackage;
  const controlPlane = await connectNatsControlPlane({ servers: server.url });
  try {
    // Until the rewrite lands, the NATS control plane lacks the log (append, register, read): then there is nothing to run on.
    if (typeof (controlPlane as Partial<ControlPlane>).append !== "function") {
      context.skip("@twostep/nats does not implement the log-based ControlPlane yet (being rewritten)");
    }
    const summary = await runDemo({ controlPlane, write: () => {}, pace: 0.8 });
    expect(summary.problems).toEqual([]);
    expect(summary.lost).toBe(0);
    expect(summary.rollouts.map((rollout) => rollout.state)).toEqual(["failed", "done"]);
    expect(summary.history.filter((entry) => entry.note.action === "guard-revert")).toHaveLength(1);
    expect(summary.history.at(-1)?.note.action).toBe("rollout-done");
  } finally {
    await controlPlane.close();
  }
}, 60_000);
