import { z } from "zod";
import { formatRange, inRange, levelRangeSchema, type LevelRange } from "./level-range.js";
import type { Advertisement } from "./advertisement.js";
import type { Member } from "./member.js";

/** Why a member blocks a level. */
export type BlockerReason = "no-reader" | "no-writer" | "stale" | "never-seen";

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
  reason: z.enum(["no-reader", "no-writer", "stale", "never-seen"]),
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
  const highest = Math.max(...query.levels);
  for (const member of query.members) {
    const seen = query.adverts.get(member.nodeId);
    if (seen === undefined) {
      blockers.push(neverSeen(member, highest));
      continue;
    }
    const advertisement = seen.advertisement;
    if (!takesPart(advertisement, query.capability)) continue;
    const reads = advertisement.capabilities[query.capability]?.reads;
    if (query.now - seen.seenAt > query.staleAfterMs) {
      blockers.push(stale(member, advertisement, reads, seen.seenAt, highest));
      continue;
    }
    for (const level of query.levels) {
      if (inRange(reads, level)) continue;
      blockers.push(noReader(member, advertisement, query.capability, reads, seen.seenAt, level));
      break;
    }
  }
  return blockers;
}

/**
 * The members that write `capability` but could write none of the levels the
 * next record requires: after the change they could not write at all (their
 * writes would fail with CANNOT_WRITE_VERSION), so the change waits for them.
 */
export function findWriterless(query: Omit<BlockerQuery, "now" | "staleAfterMs">): Blocker[] {
  const blockers: Blocker[] = [];
  for (const member of query.members) {
    const seen = query.adverts.get(member.nodeId);
    if (seen === undefined || !takesPart(seen.advertisement, query.capability)) continue;
    const support = seen.advertisement.capabilities[query.capability];
    const writes = support?.writes;
    if (writes === undefined || query.levels.some((level) => inRange(writes, level))) continue;
    blockers.push({
      nodeId: member.nodeId,
      service: member.service,
      build: seen.advertisement.build,
      reason: "no-writer",
      level: Math.max(...query.levels),
      reads: support?.reads ?? null,
      lastSeen: seen.seenAt,
      detail:
        `${member.nodeId}: build ${seen.advertisement.build} writes ${query.capability} ${formatRange(writes)}, none of ` +
        `${query.levels.map((level) => `v${level}`).join(", ")}: deploy a build that writes one of them on ${seen.advertisement.service}`,
    });
  }
  return blockers;
}

/** True when the advertising node takes part in `capability` (see {@link Advertisement.uses}). */
export function takesPart(advertisement: Advertisement, capability: string): boolean {
  return advertisement.uses === undefined || advertisement.uses.includes(capability);
}

function neverSeen(member: Member, level: number): Blocker {
  return {
    nodeId: member.nodeId,
    service: member.service,
    build: member.build,
    reason: "never-seen",
    level,
    reads: null,
    lastSeen: null,
    detail: `${member.nodeId} (${member.service} ${member.build}) is a member but has no heartbeat: start it, or decommission it if it is gone`,
  };
}

function stale(member: Member, advertisement: Advertisement, reads: LevelRange | undefined, lastSeen: number, level: number): Blocker {
  return {
    nodeId: member.nodeId,
    service: member.service,
    build: advertisement.build,
    reason: "stale",
    level,
    reads: reads ?? null,
    lastSeen,
    detail:
      `${member.nodeId} heartbeat stale since ${new Date(lastSeen).toISOString()}: ` +
      `it may come back on an old build; restart it, or decommission it if it is gone`,
  };
}

function noReader(member: Member, advertisement: Advertisement, capability: string, reads: LevelRange | undefined, lastSeen: number, level: number): Blocker {
  return {
    nodeId: member.nodeId,
    service: member.service,
    build: advertisement.build,
    reason: "no-reader",
    level,
    reads: reads ?? null,
    lastSeen,
    detail:
      `${member.nodeId}: no reader of ${capability} v${level} in build ${advertisement.build} ` +
      `(reads ${formatRange(reads)}): deploy a build that reads v${level} on ${advertisement.service}`,
  };
}
