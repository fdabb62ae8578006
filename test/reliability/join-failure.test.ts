import { isTwostepError } from "@twostep/core";
import {
  ControlPlaneUnreachableError,
  Coordinator,
  FleetErrorCode,
  MemoryControlPlane,
  startNode,
  type Subscription,
  type Versioned,
  type WriteLevelRecord,
} from "@twostep/fleet";
import { expect, test } from "vitest";
import { SHIPMENT, shipmentProtocol } from "./support/shipment-protocol.js";

/** A control plane whose watches fail as a NATS cluster's do while the server holding their consumer is down (see cluster.test.ts). */
class WatchlessControlPlane extends MemoryControlPlane {
  override async watchLevels(_onChange: (record: Versioned<WriteLevelRecord>) => void): Promise<Subscription> {
    throw new ControlPlaneUnreachableError("nats://n1, nats://n2, nats://n3");
  }
}

test("regression: a node whose join fails after it registered (its level watch cannot start) leaves again, so it never blocks an enable", async () => {
  let now = 1_000_000;
  const plane = new WatchlessControlPlane({ clock: () => now });
  const coordinator = new Coordinator(plane, { staleAfterMs: 15_000 });
  await coordinator.enableWrite(SHIPMENT, 1, { actor: "setup", reason: "" });

  const failed = await startNode({ controlPlane: plane, protocol: shipmentProtocol(3), nodeId: "shop-1", service: "shop", build: "v3" }).catch(
    (error: unknown) => error,
  );
  expect(isTwostepError(failed, FleetErrorCode.Unreachable), String(failed)).toBe(true);

  // The node never ran: it should have left again, as it does when its join guard refuses it.
  now += 60_000;
  expect((await plane.listMembers()).map((member) => member.nodeId)).toEqual([]);
  expect((await coordinator.plan(SHIPMENT, 2)).blockers).toEqual([]);
});
