import type { Snapshot } from "../control-plane/control-plane.js";
import { type BuildRecord, takesPart } from "../records/build-record.js";
import { formatRange, inRange } from "../records/level-range.js";
import type { Labels } from "../records/member-record.js";
import type { RecordFormats } from "../records/record-formats.js";
import type { TwostepRecords } from "../records/twostep-records.js";
import { requiredLevels, type WriteLevelRecord } from "../records/write-level-record.js";
import { writePlan } from "./write-plan.js";

/** A record the join guard could not read: it stands in the way like an unread level. */
export interface UnreadableRecord {
  /** The capability of the record, or null for the control plane's identity. */
  readonly capability: string | null;
  readonly problem: string;
  /** True when a newer twostep wrote it. */
  readonly newer: boolean;
}

/** The write-level records of a snapshot as the join guard judges them: those it can read, and those it cannot (the control plane's identity included). */
export function recordsAtJoin(
  snapshot: Snapshot,
  formats: RecordFormats<TwostepRecords>,
): { readonly records: WriteLevelRecord[]; readonly unreadable: UnreadableRecord[] } {
  const records: WriteLevelRecord[] = [];
  const unreadable: UnreadableRecord[] = [];
  for (const entry of snapshot.entries) {
    if (entry.tombstone) continue;
    if (entry.key.kind === "meta") {
      const decoded = formats.decode("meta", entry.value);
      if (!decoded.ok) unreadable.push({ capability: null, problem: decoded.problem, newer: decoded.newer });
    } else if (entry.key.kind === "level") {
      const decoded = formats.decode("level", entry.value);
      if (decoded.ok && decoded.value.capability === entry.key.capability) records.push(decoded.value);
      else
        unreadable.push({
          capability: entry.key.capability,
          problem: decoded.ok ? "it names another capability" : decoded.problem,
          newer: !decoded.ok && decoded.newer,
        });
    }
  }
  return { records, unreadable };
}

/**
 * What keeps a node of this build out of the fleet under these records: a
 * required level it cannot read (the write level, the ramp target, a level
 * being enabled, or any level ever written and not retired), a written
 * capability of which it could write nothing, or a record it cannot read
 * at all (which is never taken as absent). Each problem says what the fleet
 * writes, since when, who set it, and the ways out. Capabilities the build
 * does not take part in are skipped. Empty when the node may join.
 */
export function joinProblems(build: BuildRecord, labels: Labels, records: Iterable<WriteLevelRecord>, unreadable: Iterable<UnreadableRecord> = []): string[] {
  const problems: string[] = [];
  for (const record of unreadable) {
    if (record.capability !== null && !takesPart(build, record.capability)) continue;
    const what = record.capability === null ? "the control plane's identity record" : `the write-level record of ${record.capability}`;
    problems.push(
      `${what} cannot be read: ${record.problem}. ` +
        (record.newer
          ? "Deploy a build with a newer twostep, or have a release manager roll the record format back (twostep disable-write twostep.records)"
          : "Have a release manager look at it (twostep status) and repair it"),
    );
  }
  for (const record of records) {
    if (!takesPart(build, record.capability)) continue;
    const support = build.capabilities[record.capability];
    const unread = requiredLevels(record).filter((level) => !inRange(support?.reads, level));
    if (unread.length > 0) {
      problems.push(
        `${record.capability}: ${fleetWrites(record)}; this build reads ${formatRange(support?.reads)}, ` +
          `not ${unread.map((level) => `v${level}${why(record, level)}`).join(", ")}. ` +
          `Either deploy a build that reads ${unread.map((level) => `v${level}`).join(", ")}, ` +
          `or roll the writer back (twostep disable-write ${record.capability}) and retire what it wrote ` +
          `(twostep retire ${record.capability} LEVEL) once the drain window has passed`,
      );
      continue;
    }
    if (support?.writes === undefined || record.level === null) continue;
    const plan = writePlan(record.capability, record, support.writes, labels);
    if (plan.base === null) {
      problems.push(
        `${record.capability}: ${fleetWrites(record)}; this build writes ${formatRange(support.writes)}, none of which every member reads at or below ` +
          `v${record.level}. Either deploy a build that writes v${record.level}, or move the fleet to a level this build writes ` +
          `(twostep enable-write ${record.capability} LEVEL)`,
      );
    }
  }
  return problems;
}

function fleetWrites(record: WriteLevelRecord): string {
  if (record.level === null) return "nothing is written yet";
  const ramp = record.ramp === null ? "" : ` and ${record.ramp.percent}% v${record.ramp.to} (by ${record.ramp.by})`;
  const since = record.levelSince === null ? "" : ` since ${new Date(record.levelSince).toISOString()}`;
  return `the fleet writes v${record.level}${ramp}${since}, set by ${record.levelSetBy}${record.levelReason === "" ? "" : ` (${JSON.stringify(record.levelReason)})`}`;
}

function why(record: WriteLevelRecord, level: number): string {
  if (level === record.level) return " (the write level)";
  if (record.ramp?.to === level) return " (the ramp target)";
  if (record.intent?.levels.includes(level)) return ` (being enabled by ${record.intent.actor})`;
  return " (written before and not retired)";
}
