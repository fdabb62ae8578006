import { z } from "zod";
import { formatRange, inRange, levelRangeSchema, type LevelRange } from "./level-range.js";
import type { Advertisement } from "./advertisement.js";
import type { Member } from "./member.js";

/** Why a member blocks a level. */
export type BlockerReason = "no-reader" | "stale" | "never-seen";

/** A member that keeps a level from being required, and why. */
export interface Blocker {
  readonly nodeId: string;
  readonly service: string;
  readonly build: string;
  readonly reason: BlockerReason;
  /** The level it blocks. */
  readonly level: number;
  /** What it reads of the capability, when it was seen. */
  readonly reads: LevelRange | null;
  /** When its last heartbeat arrived, when it was ever seen (ms since the epoch). */
  readonly lastSeen: number | null;
  /** One line for people, saying what to do. */
  readonly detail: string;
}

/** The zod schema of a {@link Blocker} as it is recorded. */
export const blockerSchema = z.strictObject({
  nodeId: z.string(),
  service: z.string(),
  build: z.string(),
  reason: z.enum(["no-reader", "stale", "never-seen"]),
  level: z.number().int(),
  reads: levelRangeSchema.nullable(),
  lastSeen: z.number().nullable(),
  detail: z.string(),
});

/** An advertisement with the time the control plane received it. */
export interface SeenAdvertisement {
  readonly advertisement: Advertisement;
  /** When it arrived, ms since the epoch, on the control plane's clock. */
  readonly seenAt: number;
}

/** What {@link findBlockers} looks at. */
export interface BlockerQuery {
  readonly capability: string;
  /** Levels every member must read, from a live heartbeat. */
  readonly levels: readonly number[];
  readonly members: Iterable<Member>;
  readonly adverts: ReadonlyMap<string, SeenAdvertisement>;
  readonly now: number;
  /** A heartbeat older than this is stale, in ms. */
  readonly staleAfterMs: number;
}

/**
 * The members that keep the levels from being required: never seen, stale,
 * or seen on a build that does not read them. A member counts even when
 * down, since it may come back on an old build.
 */
export function findBlockers(query: BlockerQuery): Blocker[] {
  const blockers: Blocker[] = [];
  const first = Math.max(...query.levels);
  for (const member of query.members) {
    const seen = query.adverts.get(member.nodeId);
    const base = { nodeId: member.nodeId, service: member.service, build: member.build };
    if (seen === undefined) {
      blockers.push({
        ...base,
        reason: "never-seen",
        level: first,
        reads: null,
        lastSeen: null,
        detail: `${member.nodeId} (${member.service} ${member.build}) is a member but has no heartbeat: start it, or decommission it if it is gone`,
      });
      continue;
    }
    const support = seen.advertisement.capabilities[query.capability];
    const seenBase = { ...base, build: seen.advertisement.build, reads: support?.reads ?? null, lastSeen: seen.seenAt };
    if (query.now - seen.seenAt > query.staleAfterMs) {
      blockers.push({
        ...seenBase,
        reason: "stale",
        level: first,
        detail:
          `${member.nodeId} heartbeat stale since ${new Date(seen.seenAt).toISOString()}: ` +
          `it may come back on an old build; restart it, or decommission it if it is gone`,
      });
      continue;
    }
    const unread = query.levels.find((level) => !inRange(support?.reads, level));
    if (unread !== undefined) {
      blockers.push({
        ...seenBase,
        reason: "no-reader",
        level: unread,
        detail:
          `${member.nodeId}: no reader of ${query.capability} v${unread} in build ${seen.advertisement.build} ` +
          `(reads ${formatRange(support?.reads)}): deploy a build that reads v${unread} on ${seen.advertisement.service}`,
      });
      continue;
    }
  }
  return blockers;
}
