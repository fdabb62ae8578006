import { InvalidRequestError } from "../errors/fleet-errors.js";
import type { Blocker } from "../records/blocker.js";
import type { DecommissionPreview } from "./change-types.js";
import { blocker, label } from "./find-blockers.js";
import { leaseEndOf } from "./member-view.js";
import type { FleetView, MemberView } from "./fleet-view.js";

/** One incarnation to remove, and until when it may have written each level (control plane's clock). */
export interface DecommissionTarget {
  readonly member: MemberView;
  readonly lastWrites: Record<string, Record<string, number>>;
}

/** What a decommission of a node would remove, or why it is refused. */
export interface DecommissionPlan {
  readonly targets: readonly DecommissionTarget[];
  /** Why it is refused, or null. */
  readonly refused: string | null;
  readonly blockers: readonly Blocker[];
}

/**
 * Decides which incarnations of `nodeId` (or just `incarnation`) a
 * decommission removes. Each must be surely gone: its lease ran out longer
 * than the clock margin ago (by the control plane's clock, which stored its
 * last heartbeat), or it was fenced for good; one still starting, or whose
 * lease may still run, is refused. Until when it may have written each
 * level is recorded: its last reported write, or, for levels it may have
 * written after its last heartbeat, the end of its lease.
 */
export function decommissionPlan(view: FleetView, nodeId: string, incarnation: string | undefined, marginMs: number): DecommissionPlan {
  const candidates = view.members.filter((member) => member.nodeId === nodeId && (incarnation === undefined || member.incarnation.startsWith(incarnation)));
  if (candidates.length === 0) {
    const gone = view.departed.some((member) => member.nodeId === nodeId);
    return {
      targets: [],
      refused: gone
        ? `${nodeId} is no longer a member (it left or was decommissioned)`
        : `${nodeId} is not a member of the fleet: see twostep status for the node ids`,
      blockers: [],
    };
  }
  const blockers: Blocker[] = [];
  for (const member of candidates) {
    if (member.state === "expired") continue;
    const level = 0;
    if (member.state === "starting") {
      blockers.push(
        blocker(
          member,
          "starting",
          level,
          null,
          `${label(member)} registered ${Math.round((view.now - member.registeredAt) / 1000)} s ago and is still starting: wait for it, or for its lease and the clock margin to pass`,
        ),
      );
      continue;
    }
    const endsAt = leaseEndOf(member) + marginMs;
    blockers.push(
      blocker(
        member,
        "stale",
        level,
        null,
        `${label(member)} is ${member.state} (heartbeat ${Math.round((view.now - (member.beat?.at ?? member.registeredAt)) / 1000)} s ago): it may still write until its lease ` +
          `and the clock margin have passed (${new Date(endsAt).toISOString()}); stop it first, a node that stops cleanly leaves by itself`,
      ),
    );
  }
  if (blockers.length > 0) return { targets: [], refused: `${nodeId} may still be running`, blockers };
  const targets = candidates.map((member) => ({ member, lastWrites: lastWrites(member) }));
  return { targets, refused: null, blockers: [] };
}

/** {@link decommissionPlan} of a node that is a member; throws {@link InvalidRequestError} when `nodeId` (or `incarnation`) names none. */
export function memberDecommissionPlan(view: FleetView, nodeId: string, incarnation: string | undefined, marginMs: number): DecommissionPlan {
  const planned = decommissionPlan(view, nodeId, incarnation, marginMs);
  if (planned.targets.length === 0 && planned.blockers.length === 0) throw new InvalidRequestError(planned.refused ?? `${nodeId} is not a member`);
  return planned;
}

/** What decommissioning `nodeId` under `planned` would do, in the words of {@link DecommissionPreview}. */
export function decommissionPreview(nodeId: string, planned: DecommissionPlan): DecommissionPreview {
  return {
    nodeId,
    removes: planned.targets.map(({ member }) => ({
      nodeId: member.nodeId,
      incarnation: member.incarnation,
      state: member.state,
      lastSeen: member.beat?.at ?? null,
    })),
    refused: planned.refused,
    blockers: planned.blockers,
  };
}

function lastWrites(member: MemberView): Record<string, Record<string, number>> {
  const result: Record<string, Record<string, number>> = {};
  const leaseEnd = leaseEndOf(member);
  for (const [capability, support] of Object.entries(member.build?.capabilities ?? {})) {
    if (support.writes === undefined) continue;
    const levels: Record<string, number> = {};
    // Its writes after its last heartbeat are unknown: any level its build writes may have been written until its lease ended.
    for (let level = support.writes.min; level <= support.writes.max && level - support.writes.min < 64; level++) levels[String(level)] = leaseEnd;
    result[capability] = levels;
  }
  return result;
}
