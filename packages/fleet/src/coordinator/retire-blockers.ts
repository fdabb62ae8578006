import type { Blocker } from "../records/blocker.js";
import { inRange } from "../records/level-range.js";
import type { WriteLevelRecord } from "../records/write-level-record.js";
import { blocker, label, levelsWrittenBy, writesOf } from "./find-blockers.js";
import { leaseEndOf } from "./member-view.js";
import type { FleetView, LevelView } from "./fleet-view.js";

/** What stands in the way of retiring a level. */
export interface RetireCheck {
  readonly blockers: readonly Blocker[];
  /** When the drain window ends, counted from the last write of the level anyone may have made; null when no writer was ever seen. */
  readonly drainEndsAt: number;
}

/**
 * Who keeps `level` of `record` (stored as `stored`) from being retired,
 * and when its drain window ends. A level may be retired once no writer
 * may still write it: every member whose build writes the level is live,
 * has applied this revision of the record, would not write the level under
 * it, and last wrote it more than the drain window ago; a member that is not
 * live blocks until it returns or is decommissioned after its lease; members
 * that left count from their last reported write (or, unknown, from when
 * they went). The window also runs from when the record stopped writing the
 * level.
 */
export function retireBlockers(
  capability: string,
  level: number,
  stored: LevelView & { record: WriteLevelRecord },
  view: FleetView,
  windowMs: number,
): RetireCheck {
  const { record, revision } = stored;
  const blockers: Blocker[] = [];
  let lastWrite = record.writtenUntil[String(level)] ?? stored.at;
  const reads = (build: { capabilities: Record<string, { reads: { min: number; max: number } } | undefined> } | null) =>
    build?.capabilities[capability]?.reads ?? null;
  for (const member of view.members) {
    if (member.build === null) {
      blockers.push(
        blocker(member, "unknown-build", level, null, `${label(member)}: ${member.problem ?? "its build cannot be told"}; decommission it if it is gone`),
      );
      continue;
    }
    if (!inRange(writesOf(member.build, capability), level)) continue;
    const beat = member.beat?.record ?? null;
    if (member.state === "starting") {
      blockers.push(
        blocker(member, "starting", level, reads(member.build), `${label(member)} is starting and may write v${level}: wait for its first heartbeat`),
      );
      continue;
    }
    if (member.state !== "live" || beat === null) {
      const until = leaseEndOf(member);
      blockers.push(
        blocker(
          member,
          "stale",
          level,
          reads(member.build),
          `${label(member)} has no live heartbeat (last ${member.beat === null ? "never" : new Date(member.beat.at).toISOString()}) and may still write v${level}: ` +
            `restart it, or decommission it once its lease has expired (${new Date(until).toISOString()} plus the clock margin)`,
        ),
      );
      continue;
    }
    if ((beat.applied[capability] ?? 0) < revision) {
      blockers.push(
        blocker(
          member,
          "not-applied",
          level,
          reads(member.build),
          `${label(member)} has not applied revision ${revision} of ${capability} yet (it writes by ${beat.applied[capability] ?? "none"}): wait a heartbeat`,
        ),
      );
      continue;
    }
    if (levelsWrittenBy(member, capability, record).includes(level)) {
      blockers.push(
        blocker(
          member,
          "still-writing",
          level,
          reads(member.build),
          `${label(member)} still writes v${level} under this record: move it to another level first`,
        ),
      );
      continue;
    }
    const ago = beat.writes[capability]?.[String(level)];
    if (ago !== undefined) lastWrite = Math.max(lastWrite, member.beat!.at - ago);
  }
  for (const gone of view.departed) {
    if (gone.build === null) {
      // What it ran cannot be told: it may have written the level until it went.
      lastWrite = Math.max(lastWrite, gone.at);
      continue;
    }
    if (!inRange(writesOf(gone.build, capability), level)) continue;
    const decommissioned = gone.decommission?.lastWrites[capability]?.[String(level)];
    const reported = gone.departure?.writes[capability]?.[String(level)];
    if (decommissioned !== undefined) lastWrite = Math.max(lastWrite, decommissioned);
    else if (reported !== undefined) lastWrite = Math.max(lastWrite, gone.at - reported);
    else if (gone.departure === null && gone.decommission === null) lastWrite = Math.max(lastWrite, gone.at);
  }
  return { blockers, drainEndsAt: lastWrite + windowMs };
}
