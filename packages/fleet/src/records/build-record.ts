import { createHash } from "node:crypto";
import { z } from "zod";
import { levelRangeSchema } from "./level-range.js";
import { RECORD_FORMAT_CAPABILITY } from "./record-formats.js";
import type { RecordOf } from "./schema-types.js";

const capabilitySupportSchema = z.looseObject({
  /** Levels it reads. */
  reads: levelRangeSchema,
  /** Levels it writes; absent when the build only reads this capability. */
  writes: levelRangeSchema.optional(),
});

/** What one build can do with one capability. */
export type CapabilitySupport = RecordOf<typeof capabilitySupportSchema>;

/** The zod schema of a {@link BuildRecord} in record format 1. */
export const buildRecordSchema = z.looseObject({
  capabilities: z.record(z.string().min(1).max(256), capabilitySupportSchema),
  /**
   * The capabilities the build takes part in, when it declares them: it is
   * then neither required to read nor a blocker of any other. Null: it
   * takes part in every capability, so an old build that lacks a new one
   * blocks it.
   */
  uses: z.array(z.string().min(1).max(256)).nullable(),
});

/**
 * What a build reads and writes, per capability: it does not change while
 * the build runs, so it is stored once per build, under a hash of itself,
 * and members point to it. The record formats the build reads are the
 * capability `twostep.records`.
 */
export type BuildRecord = RecordOf<typeof buildRecordSchema>;

/**
 * The key a build record is stored under: the first 32 hex digits of the
 * SHA-256 of its canonical JSON (keys sorted), so equal builds share one
 * record and a record that does not match its key is detected.
 */
export function buildIdOf(build: BuildRecord): string {
  return createHash("sha256").update(canonicalJson(build)).digest("hex").slice(0, 32);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value)
      .filter(([, inner]) => inner !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonicalJson(inner)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** True when the build takes part in `capability` (see {@link BuildRecord.uses}); every build takes part in the record format. */
export function takesPart(build: BuildRecord, capability: string): boolean {
  return build.uses === null || build.uses.includes(capability) || capability === RECORD_FORMAT_CAPABILITY;
}
