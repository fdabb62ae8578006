import type { Blocker } from "../records/blocker.js";
import type { WriteLevelRecord } from "../records/write-level-record.js";
import { readerBlockers, writerBlockers } from "./find-blockers.js";
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
    for (const member of view.members) {
      if (seen.has(incarnationId(member.nodeId, member.incarnation))) continue;
      const writes = member.build?.capabilities[capability]?.writes;
      const level = proposal.retiring[0] as number;
      if (member.build === null || (writes !== undefined && level >= writes.min && level <= writes.max)) {
        late.push({
          nodeId: member.nodeId,
          incarnation: member.incarnation,
          service: member.member?.service ?? "?",
          build: member.member?.build ?? "?",
          reason: "still-writing",
          level,
          reads: member.build?.capabilities[capability]?.reads ?? null,
          lastSeen: member.beat?.at ?? null,
          detail: `${member.nodeId} joined while v${level} was being retired and may have written it: retry once it has heartbeaten`,
        });
      }
    }
  }
  return late;
}
