import { z } from "zod";
import { changeNoteSchema } from "./change-note.js";
import type { RecordOf } from "./schema-types.js";

/** The highest level a record may name: the envelope's largest version. */
export const MAX_LEVEL = 0xffff_ffff;

const level = z.number().int().min(0).max(MAX_LEVEL);
const levels = z
  .array(level)
  .refine((list) => list.every((value, index) => index === 0 || (list[index - 1] as number) < value), "levels must be ascending, without repeats");

/** The zod schema of a {@link Ramp}. */
export const rampSchema = z.looseObject({
  /** The level the share writes. */
  to: level,
  /** The share, above 0 and below 100, fractions allowed; 100 only with `where` (every matching node). */
  percent: z.number().gt(0).max(100),
  /** `key`: hash the message key (one entity never flips); `node`: hash the node id (node-level canaries). */
  by: z.enum(["key", "node"]),
  /** The nodes that write the ramp target (see {@link LabelSelector}); null: every node. */
  where: z.record(z.string().min(1), z.array(z.string()).min(1)).nullable(),
});

/**
 * A canary: a deterministic share of writes uses level `to`. With `where`,
 * only nodes whose labels match it take part (waves by failure domain);
 * readers are required fleet-wide all the same.
 */
export type Ramp = RecordOf<typeof rampSchema>;

const intentSchema = z.looseObject({
  /** Levels the change newly requires every member to read. */
  levels,
  /** Levels being retired: no writer falls back to them any more, while they stay required. */
  retiring: levels,
  /** The change it belongs to (its {@link ChangeNote} id). */
  id: z.string(),
  at: z.number(),
  actor: z.string(),
  reason: z.string(),
});

/**
 * A change in progress: the coordinator committed the intent to make
 * `levels` required (or to retire `retiring`) and will confirm or withdraw
 * it after checking the fleet again. Writers never use its levels (nor fall
 * back to retiring ones); the join guard already requires its readers, so
 * a node that starts meanwhile cannot slip through.
 */
export type Intent = RecordOf<typeof intentSchema>;

const policySchema = z.looseObject({
  /** How long a level must be unwritten before it may be retired, in ms; null: the default (1 h). */
  drainWindowMs: z.number().int().min(0).nullable(),
});

/** Rules of a capability that every coordinator applies alike, since they are stored with it. */
export type Policy = RecordOf<typeof policySchema>;

/** The drain window when the policy names none: 1 h. */
export const DEFAULT_DRAIN_WINDOW_MS = 3_600_000;

/** The zod schema of a {@link WriteLevelRecord} in record format 1. */
export const writeLevelRecordSchema = z
  .looseObject({
    /** The capability, such as a message type name or `compression.zstd`. */
    capability: z.string().min(1).max(256),
    /** The control plane's epoch this was written in (see {@link PlaneMeta}). */
    epoch: z.number().int().min(0),
    /** The level writers use, or null: nobody writes. */
    level: level.nullable(),
    /** When `level` was set (ms since the epoch), by whom and why. */
    levelSince: z.number().nullable(),
    levelSetBy: z.string(),
    levelReason: z.string(),
    /** A canary towards another level, or null. */
    ramp: rampSchema.nullable(),
    /** A change being checked, or null. */
    intent: intentSchema.nullable(),
    /** Every level ever written (ascending): readers stay required until retired. */
    everWritten: levels,
    /** Levels retired (ascending): builds may drop their readers. */
    retired: levels,
    /** Per level, when the record stopped writers using it (ms since the epoch). */
    writtenUntil: z.record(z.string(), z.number()),
    policy: policySchema,
    /** What this write of the record did: its audit entry. */
    change: changeNoteSchema,
  })
  .superRefine((record, context) => {
    // A record that contradicts itself is not trusted: it would make writers and the join guard disagree.
    if (record.level !== null && !record.everWritten.includes(record.level))
      context.addIssue({ code: "custom", path: ["level"], message: "the write level is not among the levels ever written" });
    if (record.ramp !== null && !record.everWritten.includes(record.ramp.to))
      context.addIssue({ code: "custom", path: ["ramp"], message: "the ramp target is not among the levels ever written" });
    if (record.ramp !== null && record.level === null) context.addIssue({ code: "custom", path: ["ramp"], message: "a ramp needs a write level" });
    if (record.ramp !== null && record.ramp.percent === 100 && record.ramp.where === null)
      context.addIssue({ code: "custom", path: ["ramp"], message: "a ramp of 100% needs labels" });
    for (const retired of record.retired) {
      if (retired === record.level || retired === record.ramp?.to)
        context.addIssue({ code: "custom", path: ["retired"], message: `v${retired} is retired and written` });
    }
  });
/**
 * The fleet-wide write state of one capability. No record, or a record
 * with `level: null`, means nobody writes the capability: writes are closed
 * until a release manager enables a level.
 */
export type WriteLevelRecord = RecordOf<typeof writeLevelRecordSchema>;

/** The levels writers may use under this record: the write level and the ramp target (none when writes are closed). */
export function writtenLevels(record: Pick<WriteLevelRecord, "level" | "ramp">): number[] {
  if (record.level === null) return [];
  return record.ramp === null ? [record.level] : [record.level, record.ramp.to];
}

/**
 * The levels every member must read under this record, as committed: the
 * write level, the ramp target, and every level ever written and not
 * retired. An intent's levels are not among them (see {@link requiredLevels}).
 */
export function committedLevels(record: WriteLevelRecord): number[] {
  const required = new Set<number>(writtenLevels(record));
  for (const written of record.everWritten) if (!record.retired.includes(written)) required.add(written);
  return [...required].sort((a, b) => a - b);
}

/**
 * The levels a starting member must read under this record: the committed
 * ones and those of a pending intent. Ascending, without duplicates.
 */
export function requiredLevels(record: WriteLevelRecord): number[] {
  const required = new Set<number>(committedLevels(record));
  for (const pending of record.intent?.levels ?? []) required.add(pending);
  return [...required].sort((a, b) => a - b);
}

/** The drain window of the record's policy, or the default. */
export function drainWindowOf(record: WriteLevelRecord | undefined): number {
  return record?.policy.drainWindowMs ?? DEFAULT_DRAIN_WINDOW_MS;
}
