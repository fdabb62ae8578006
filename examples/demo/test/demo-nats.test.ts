import { runDemo } from "@twostep/example-demo";
import { connectNatsControlPlane } from "@twostep/nats";
import { type NatsServer, startNatsServer } from "@twostep/testkit/nats-server";
import { afterAll, beforeAll, expect, test } from "vitest";

let server: NatsServer;

beforeAll(async () => {
  server = await startNatsServer();
});

afterAll(async () => {
  await server.stop();
});

test("the same rollout on a real NATS control plane loses nothing", async () => {
  const controlPlane = await connectNatsControlPlane({ servers: server.url });
  try {
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
