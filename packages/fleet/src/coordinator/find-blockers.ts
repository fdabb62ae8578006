import type { Blocker, BlockerReason } from "../records/blocker.js";
import { type BuildRecord, takesPart } from "../records/build-record.js";
import { formatRange, inRange } from "../records/level-range.js";
import type { WriteLevelRecord } from "../records/write-level-record.js";
import { plannedLevels, writePlan } from "../node/write-plan.js";
import type { MemberView } from "./fleet-view.js";

/**
 * The members that do not read every one of `levels`: their build lacks a
 * reader, or what their build reads cannot be told. A member counts whatever
 * its state: its build cannot change while it runs, and a restart is a new
 * incarnation that passes the join guard.
 */
export function readerBlockers(capability: string, levels: readonly number[], members: readonly MemberView[]): Blocker[] {
  if (levels.length === 0) return [];
  const blockers: Blocker[] = [];
  for (const member of members) {
    const found = readerBlocker(member, capability, levels);
    if (found !== undefined) blockers.push(found);
  }
  return blockers;
}

/** The blocker of one member in {@link readerBlockers}, or undefined when it reads every one of `levels` (non-empty). */
export function readerBlocker(member: MemberView, capability: string, levels: readonly number[]): Blocker | undefined {
  if (member.build === null) {
    return blocker(
      member,
      "unknown-build",
      Math.max(...levels),
      null,
      `${label(member)}: ${member.problem ?? "its build cannot be told"}; decommission it if it is gone`,
    );
  }
  if (!takesPart(member.build, capability)) return undefined;
  const reads = member.build.capabilities[capability]?.reads;
  const unread = levels.find((level) => !inRange(reads, level));
  if (unread === undefined) return undefined;
  return blocker(
    member,
    "no-reader",
    unread,
    reads ?? null,
    `${label(member)}: no reader of ${capability} v${unread} in build ${member.member?.build ?? "?"} (reads ${formatRange(reads)}): ` +
      `deploy a build that reads v${unread} on ${member.member?.service ?? "its service"}`,
  );
}

/**
 * The members that write `capability` and, under `next`, could write
 * nothing (`no-writer`), or, when the change moves the write level, would
 * keep writing another level (`keeps-writing`: a build that cannot write
 * the new level falls back to a lower one).
 */
export function writerBlockers(capability: string, current: WriteLevelRecord | null, next: WriteLevelRecord, members: readonly MemberView[]): Blocker[] {
  if (next.level === null) return [];
  const moved = current?.level !== next.level;
  const blockers: Blocker[] = [];
  for (const member of members) {
    const writes = writesOf(member.build, capability);
    if (writes === undefined || member.member === null) continue;
    const plan = writePlan(capability, next, writes, member.member.labels);
    if (plan.base === null) {
      blockers.push(
        blocker(
          member,
          "no-writer",
          next.level,
          member.build?.capabilities[capability]?.reads ?? null,
          `${label(member)}: build ${member.member.build} writes ${capability} ${formatRange(writes)}, none of which every member reads at or below v${next.level}: ` +
            `deploy a build that writes v${next.level} on ${member.member.service}`,
        ),
      );
    } else if (moved && plan.base !== next.level) {
      blockers.push(
        blocker(
          member,
          "keeps-writing",
          next.level,
          member.build?.capabilities[capability]?.reads ?? null,
          `${label(member)}: build ${member.member.build} writes ${capability} ${formatRange(writes)}, so it would keep writing v${plan.base}, not v${next.level}: ` +
            `deploy a build that writes v${next.level} on ${member.member.service}`,
        ),
      );
    }
  }
  return blockers;
}

/** The levels a member writes under `record`, as its build and labels decide. */
export function levelsWrittenBy(member: MemberView, capability: string, record: WriteLevelRecord): number[] {
  const writes = writesOf(member.build, capability);
  if (writes === undefined || member.member === null) return [];
  return plannedLevels(writePlan(capability, record, writes, member.member.labels));
}

/** The levels a build writes of `capability`, when it takes part in it and writes it. */
export function writesOf(build: BuildRecord | null, capability: string) {
  if (build === null || !takesPart(build, capability)) return undefined;
  return build.capabilities[capability]?.writes;
}

/** A blocker of `member`. */
export function blocker(member: MemberView, reason: BlockerReason, level: number, reads: Blocker["reads"], detail: string): Blocker {
  return {
    nodeId: member.nodeId,
    incarnation: member.incarnation,
    service: member.member?.service ?? "?",
    build: member.member?.build ?? "?",
    reason,
    level,
    reads,
    lastSeen: member.beat?.at ?? null,
    detail,
  };
}

/** `shop-1` or, while two processes share the id, `shop-1@3f2a`. */
export function label(member: MemberView): string {
  return `${member.nodeId}@${member.incarnation.slice(0, 8)}`;
}
