import { type ControlPlane, Coordinator, MemoryControlPlane, startNode } from "@twostep/fleet";
import { afterEach, describe, expect, test } from "vitest";
import { protocolReading } from "./support/builds.js";
import { hookedControlPlane } from "./support/hooked-control-plane.js";

// A coordinator's first view reads the log while it reads the heartbeats,
// then the log again after them: every heartbeat read has its member in the
// log read after it. These tests put a join, or a failure, in between.

const protocol = protocolReading(1, 1);
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

async function join(plane: ControlPlane, nodeId: string): Promise<void> {
  const node = await startNode({ controlPlane: plane, protocol, nodeId, service: "orders", build: "b1" });
  stops.push(() => node.stop());
}

describe("a coordinator's first view", () => {
  test("holds the member of a node that joined after the log was first read and before the heartbeats were", async () => {
    const plane = new MemoryControlPlane();
    await join(plane, "n1");
    const reads: string[] = [];
    const seen = hookedControlPlane(plane, {
      beforeRead: (scope) => {
        reads.push(scope);
      },
      beforeReadBeats: async () => {
        // The log is being read already; n2 registers and heartbeats now.
        expect(reads).toEqual(["fleet"]);
        await join(plane, "n2");
      },
    });
    const status = await new Coordinator(seen).status();
    expect(status.members.map((member) => member.nodeId).sort()).toEqual(["n1", "n2"]);
    expect(status.plane.regressed).toEqual([]);
  });

  test("does not fail when the read of the log begun with the heartbeats does", async () => {
    const plane = new MemoryControlPlane();
    await join(plane, "n1");
    let reads = 0;
    const failing = hookedControlPlane(plane, {
      beforeRead: () => {
        if (++reads === 1) throw new Error("the first read of the log failed");
      },
    });
    const status = await new Coordinator(failing).status();
    expect(reads).toBe(2);
    expect(status.members.map((member) => member.nodeId)).toEqual(["n1"]);
  });
});
