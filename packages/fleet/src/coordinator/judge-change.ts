import type { Blocker } from "../records/blocker.js";
import { drainWindowOf, type WriteLevelRecord } from "../records/write-level-record.js";
import type { ChangeOptions } from "./change-types.js";
import { blocker, label, readerBlockers, writerBlockers } from "./find-blockers.js";
import { type FleetView, incarnationId, type LevelView } from "./fleet-view.js";
import type { ProposedChange } from "./propose-change.js";
import { retireBlockers } from "./retire-blockers.js";
import type { WriteLevelRequest } from "./write-level-request.js";

/** Who and what stands in the way of a proposal, on one view: the members (blockers) and the rest (problems, such as an undeclared level or a drain window). */
export function judgeChange(
  capability: string,
  request: WriteLevelRequest,
  current: WriteLevelRecord | null,
  stored: LevelView | undefined,
  proposal: ProposedChange,
  view: FleetView,
  options: ChangeOptions,
): { blockers: Blocker[]; problems: string[] } {
  const problems: string[] = [];
  if (request.kind === "forget") {
    const users = view.members.filter((member) => member.build === null || member.build.capabilities[capability] !== undefined);
    const blockers = users.map((member) =>
      blocker(
        member,
        member.build === null ? "unknown-build" : "no-reader",
        current?.level ?? 0,
        member.build?.capabilities[capability]?.reads ?? null,
        `${label(member)}: ${member.build === null ? "its build cannot be told" : `build ${member.member?.build} reads or writes ${capability}`}: only a capability nobody uses can be forgotten`,
      ),
    );
    return { blockers, problems };
  }
  if (request.kind === "enable-write" || request.kind === "adopt") {
    const level = request.level;
    const declaredByMembers = view.members.some((member) => {
      const reads = member.build?.capabilities[capability]?.reads;
      return reads !== undefined && level >= reads.min && level <= reads.max;
    });
    const declaredByManifest = options.declared?.[capability]?.includes(level) ?? false;
    if (!declaredByMembers && !declaredByManifest && options.allowUndeclared !== true) {
      problems.push(
        `no member, and no manifest given, declares ${capability} v${level}: check the name and the level; ` +
          "give the manifest that declares it (--manifest), or say it is intended (--allow-undeclared)",
      );
    }
  }
  const blockers = [...readerBlockers(capability, proposal.newlyRequired, view.members)];
  const blocked = new Set(blockers.map((blocker) => incarnationId(blocker.nodeId, blocker.incarnation)));
  const writers = request.kind === "policy" ? [] : writerBlockers(capability, current, proposal.next, view.members);
  blockers.push(...writers.filter((blocker) => !blocked.has(incarnationId(blocker.nodeId, blocker.incarnation))));
  if (request.kind === "retire" && current !== null && stored !== undefined && proposal.retiring.length > 0) {
    const check = retireBlockers(capability, request.level, { ...stored, record: current }, view, drainWindowOf(current));
    for (const found of check.blockers) if (!blocked.has(incarnationId(found.nodeId, found.incarnation))) blockers.push(found);
    if (view.now < check.drainEndsAt) {
      problems.push(
        `${capability} v${request.level} may have been written until ${new Date(check.drainEndsAt - drainWindowOf(current)).toISOString()}; ` +
          `its drain window ends at ${new Date(check.drainEndsAt).toISOString()}: frames of v${request.level} may still be in flight or stored, retry then`,
      );
    }
  }
  return { blockers, problems };
}
