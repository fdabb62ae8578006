import { defineMessageType, defineProtocol, zodCodec } from "@twostep/core";
import { type ControlPlane, Coordinator, MemoryControlPlane, startNode } from "@twostep/fleet";
import { afterEach, describe, expect, test } from "vitest";
import { z } from "zod";

// A coordinator's first view reads the log while it reads the heartbeats,
// then the log again after them: every heartbeat read has its member in the
// log read after it. These tests put a join, or a failure, in between.

const type = defineMessageType({ name: "orders.OrderPlaced", id: 1, versions: [{ version: 1, codec: zodCodec(z.object({ id: z.string() })) }] });
const protocol = defineProtocol({ types: [type] });
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

async function join(plane: ControlPlane, nodeId: string): Promise<void> {
  const node = await startNode({ controlPlane: plane, protocol, nodeId, service: "orders", build: "b1" });
  stops.push(() => node.stop());
}

/** `plane`, with `read` and `readBeats` as given (the rest as the plane has them). */
function around(plane: ControlPlane, parts: Pick<Partial<ControlPlane>, "read" | "readBeats">): ControlPlane {
  return new Proxy(plane, {
    get(target, property) {
      const own = (parts as Record<PropertyKey, unknown>)[property];
      if (own !== undefined) return own;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

describe("a coordinator's first view", () => {
  test("holds the member of a node that joined after the log was first read and before the heartbeats were", async () => {
    const plane = new MemoryControlPlane();
    await join(plane, "n1");
    const reads: string[] = [];
    const seen = around(plane, {
      read: (scope, options) => {
        reads.push(scope);
        return plane.read(scope, options);
      },
      readBeats: async () => {
        // The log was read once already; n2 registers and heartbeats now.
        expect(reads).toEqual(["fleet"]);
        await join(plane, "n2");
        return plane.readBeats();
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
    const failing = around(plane, {
      read: (scope, options) => (++reads === 1 ? Promise.reject(new Error("the first read of the log failed")) : plane.read(scope, options)),
    });
    const status = await new Coordinator(failing).status();
    expect(reads).toBe(2);
    expect(status.members.map((member) => member.nodeId)).toEqual(["n1"]);
  });
});
