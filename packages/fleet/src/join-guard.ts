import type { Advertisement } from "./advertisement.js";
import { takesPart } from "./blocker.js";
import { formatRange, inRange } from "./level-range.js";
import { requiredLevels, type WriteLevelRecord } from "./write-level-record.js";

/**
 * What keeps a node with this advertisement out of the fleet under these
 * records: a required level it cannot read (the write level, the ramp
 * target, a level being enabled, or any level ever written and not retired),
 * or a written capability of which it can write no required level. Each
 * problem says what the fleet writes, since when, who set it, and the two
 * ways out. Capabilities the node declares it does not use are skipped.
 * Empty when the node may join.
 */
export function joinProblems(advertisement: Advertisement, records: Iterable<WriteLevelRecord>): string[] {
  const problems: string[] = [];
  for (const record of records) {
    if (!takesPart(advertisement, record.capability)) continue;
    const support = advertisement.capabilities[record.capability];
    const required = requiredLevels(record);
    const unread = required.filter((level) => !inRange(support?.reads, level));
    if (unread.length > 0) {
      problems.push(
        `${record.capability}: ${fleetWrites(record)}; this build (${advertisement.build}) reads ${formatRange(support?.reads)}, ` +
          `not ${unread.map((level) => `v${level}${why(record, level)}`).join(", ")}. ` +
          `Either deploy a build that reads ${unread.map((level) => `v${level}`).join(", ")}, ` +
          `or roll the writer back (twostep disable-write ${record.capability}) and retire what it wrote ` +
          `(twostep retire ${record.capability} LEVEL) once the drain window has passed`,
      );
      continue;
    }
    if (support?.writes !== undefined && !required.some((level) => inRange(support.writes, level))) {
      problems.push(
        `${record.capability}: ${fleetWrites(record)}; this build (${advertisement.build}) writes ${formatRange(support.writes)}, ` +
          `none of which every member reads. Either deploy a build that writes v${record.level}, ` +
          `or move the fleet to a level this build writes (twostep enable-write ${record.capability} LEVEL)`,
      );
    }
  }
  return problems;
}

function fleetWrites(record: WriteLevelRecord): string {
  const ramp = record.ramp === null ? "" : ` and ${record.ramp.percent}% v${record.ramp.to} (by ${record.ramp.by})`;
  return (
    `the fleet writes v${record.level}${ramp} since ${new Date(record.levelSince).toISOString()}, ` +
    `set by ${record.levelSetBy}${record.levelReason === "" ? "" : ` (${JSON.stringify(record.levelReason)})`}`
  );
}

function why(record: WriteLevelRecord, level: number): string {
  if (level === record.level) return " (the write level)";
  if (record.ramp?.to === level) return " (the ramp target)";
  if (record.intent?.levels.includes(level)) return ` (being enabled by ${record.intent.actor})`;
  return " (written before and not retired)";
}
