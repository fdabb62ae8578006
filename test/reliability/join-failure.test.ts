import { isTwostepError } from "@twostep/core";
import { ControlPlaneUnreachableError, Coordinator, FleetErrorCode, MemoryControlPlane, startNode, type Subscription } from "@twostep/fleet";
import type { FollowHandlers, FollowOptions } from "@twostep/fleet/control-plane";
import { expect, test } from "vitest";
import { SHIPMENT, shipmentProtocol } from "./support/shipment-protocol.js";

/** A control plane whose `follow` fails, as a NATS one's does while no server answers, until told otherwise. */
class UnfollowableControlPlane extends MemoryControlPlane {
  failFollow = true;

  override async follow(handlers: FollowHandlers, options?: FollowOptions): Promise<Subscription> {
    if (this.failFollow) throw new ControlPlaneUnreachableError("follow the records: cannot reach the NATS control plane at nats://n1, nats://n2, nats://n3");
    return super.follow(handlers, options);
  }
}

const author = { actor: "reliability", reason: "join failure" };
const enableV2 = { kind: "enable-write", level: 2 } as const;

test("regression: a node whose join fails after it registered (its follow cannot start) leaves again, so it never blocks an enable", async () => {
  const plane = new UnfollowableControlPlane();
  const coordinator = new Coordinator(plane);
  // No member yet: v1 is declared by nobody, so the release manager says it is intended.
  await coordinator.change(SHIPMENT, { kind: "enable-write", level: 1 }, author, { allowUndeclared: true });

  // A build that reads v1 only: as a member, it would block v2 whatever its state.
  const failed = await startNode({ controlPlane: plane, protocol: shipmentProtocol(1), nodeId: "shop-1", service: "shop", build: "v1" }).catch(
    (error: unknown) => error,
  );
  expect(isTwostepError(failed, FleetErrorCode.Unreachable), String(failed)).toBe(true);

  // It registered, then left: the last entry of its member key is a tombstone, and the fleet has no member.
  const members = (await plane.read("fleet")).entries.filter((entry) => entry.key.kind === "member");
  expect(members.map((entry) => ({ nodeId: entry.key.kind === "member" ? entry.key.nodeId : "", tombstone: entry.tombstone }))).toEqual([
    { nodeId: "shop-1", tombstone: true },
  ]);
  expect((await coordinator.status(SHIPMENT)).members).toEqual([]);
  const plan = await coordinator.change(SHIPMENT, enableV2, author, { dryRun: true, allowUndeclared: true });
  expect({ blockers: plan.blockers, problems: plan.problems, participants: plan.participants }).toEqual({ blockers: [], problems: [], participants: 0 });

  // The same build joining for real (follow works again) is a member that the same dry run names: the check above could fail.
  plane.failFollow = false;
  const running = await startNode({ controlPlane: plane, protocol: shipmentProtocol(1), nodeId: "shop-2", service: "shop", build: "v1" });
  try {
    const blocked = await coordinator.change(SHIPMENT, enableV2, author, { dryRun: true, allowUndeclared: true });
    expect(blocked.blockers.map((blocker) => `${blocker.nodeId}:${blocker.reason}`)).toEqual(["shop-2:no-reader"]);
  } finally {
    await running.stop();
  }

  // With it gone too, the enable itself goes through.
  expect((await coordinator.change(SHIPMENT, enableV2, author, { allowUndeclared: true })).changed).toBe(true);
});
