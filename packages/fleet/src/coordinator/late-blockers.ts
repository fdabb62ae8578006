import type { Blocker } from "../records/blocker.js";
import { inRange } from "../records/level-range.js";
import type { WriteLevelRecord } from "../records/write-level-record.js";
import { blocker, label, readerBlockers, writerBlockers, writesOf } from "./find-blockers.js";
import { type FleetView, incarnationId } from "./fleet-view.js";
import type { ProposedChange } from "./propose-change.js";

/**
 * Who stands in the way of a change as of its intent (`view`, read after it
 * was committed): members that do not read the newly required levels, or
 * would not write afterwards, and, for a retirement, members that joined
 * since the first read (`before`) and may write the retiring level.
 */
export function lateBlockers(capability: string, base: WriteLevelRecord, proposal: ProposedChange, before: FleetView, view: FleetView): Blocker[] {
  const seen = new Set(before.members.map((member) => incarnationId(member.nodeId, member.incarnation)));
  const late = [
    ...readerBlockers(capability, proposal.newlyRequired, view.members),
    ...writerBlockers(capability, base.level === null ? null : base, proposal.next, view.members),
  ];
  if (proposal.retiring.length > 0) {
    const level = proposal.retiring[0] as number;
    for (const member of view.members) {
      if (seen.has(incarnationId(member.nodeId, member.incarnation))) continue;
      // What a member of an unknown build writes cannot be told; one that does not take part in the capability does not block it.
      if (member.build !== null && !inRange(writesOf(member.build, capability), level)) continue;
      late.push(
        blocker(
          member,
          "still-writing",
          level,
          member.build?.capabilities[capability]?.reads ?? null,
          `${label(member)} joined while v${level} was being retired and may have written it: retry once it has heartbeaten`,
        ),
      );
    }
  }
  return late;
}
