import { z } from "zod";
import { levelRangeSchema } from "./level-range.js";
import { openEnum, type RecordOf } from "./schema-types.js";

/**
 * Why a member stands in the way of a change:
 * - `no-reader`: its build does not read a level the change would require;
 * - `no-writer`: it writes the capability but could write no level after the change;
 * - `keeps-writing`: after the change it would keep writing another level than the new write level;
 * - `unknown-build`: what its build reads cannot be told (its build record is missing or unreadable);
 * - `stale`: it has no live heartbeat, so what it writes now cannot be told (decommission it once its lease has expired);
 * - `starting`: it registered moments ago and has not sent a heartbeat yet;
 * - `not-applied`: it has not yet applied the record revision the change waits for;
 * - `still-writing`: it wrote the level within the drain window, or would still write it.
 * Newer twostep builds may add reasons; readers show unknown ones as they are.
 */
export type BlockerReason = (typeof BLOCKER_REASONS)[number];

const BLOCKER_REASONS = ["no-reader", "no-writer", "keeps-writing", "unknown-build", "stale", "starting", "not-applied", "still-writing"] as const;

/** The zod schema of a {@link Blocker} as it is recorded. */
export const blockerSchema = z.looseObject({
  nodeId: z.string(),
  /** The process start it concerns (a node id may have several at once, during an overlapping restart). */
  incarnation: z.string(),
  service: z.string(),
  build: z.string(),
  reason: openEnum(BLOCKER_REASONS),
  /** The level it blocks. */
  level: z.number().int(),
  /** What its build reads of the capability, when known. */
  reads: levelRangeSchema.nullable(),
  /** When its last heartbeat arrived (control plane's clock), or null. */
  lastSeen: z.number().nullable(),
  /** One line for people, saying what to do. */
  detail: z.string(),
});

/** A member that keeps a change from being made, and why. */
export type Blocker = RecordOf<typeof blockerSchema>;
