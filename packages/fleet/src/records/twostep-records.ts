import type { z } from "zod";
import { buildRecordSchema } from "./build-record.js";
import { changeRequestSchema, requestOutcomeSchema } from "./change-request.js";
import { controllerLeaseSchema } from "./controller-lease.js";
import { decommissionRecordSchema, departureRecordSchema, refusalRecordSchema } from "./departure-record.js";
import { fastRecordChecks } from "./fast-record-checks.js";
import { appliedFirst } from "./heartbeat-layout.js";
import { heartbeatRecordSchema } from "./heartbeat-record.js";
import { memberRecordSchema } from "./member-record.js";
import { planeMetaSchema } from "./plane-meta.js";
import { parseWith, type RecordFormat, RecordFormats } from "./record-formats.js";
import { rolloutRecordSchema } from "./rollout-record.js";
import type { RecordOf } from "./schema-types.js";
import { writeLevelRecordSchema } from "./write-level-record.js";

/** The schema of every kind of record twostep stores, in record format 1. */
const schemas = {
  level: writeLevelRecordSchema,
  member: memberRecordSchema,
  build: buildRecordSchema,
  heartbeat: heartbeatRecordSchema,
  departure: departureRecordSchema,
  decommission: decommissionRecordSchema,
  refusal: refusalRecordSchema,
  meta: planeMetaSchema,
  rollout: rolloutRecordSchema,
  controller: controllerLeaseSchema,
  request: changeRequestSchema,
  outcome: requestOutcomeSchema,
} as const;

/** Every kind of record twostep stores, by kind: each the type its schema reads. */
export type TwostepRecords = { readonly [K in keyof typeof schemas]: RecordOf<(typeof schemas)[K]> };

/** A kind of twostep record. */
export type RecordKind = keyof TwostepRecords;

/**
 * Record format 1: each record is the JSON of its model (a heartbeat's
 * `applied` map first, see `appliedFirst`). Fields a reader
 * does not know are kept, and written back when it rewrites the record, so
 * a newer twostep may add fields that older ones carry along.
 */
export const recordFormat1: RecordFormat<TwostepRecords> = {
  version: 1,
  encode: (kind, model) => {
    const json = model as unknown as Record<string, unknown>;
    return kind === "heartbeat" ? appliedFirst(json) : { ...json };
  },
  // JSON that passes a kind's fast check is what its schema would give back: taken as it is, without a parse that copies it.
  // What a schema reads is its record type (RecordOf only drops the typing of unknown fields); the compiler cannot follow that through a generic kind.
  decode: (kind, json) => (fastRecordChecks[kind]?.(json) === true ? json : parseWith(schemas[kind] as z.ZodType, json)) as TwostepRecords[typeof kind],
};

/** The record formats this twostep reads and writes. */
export const twostepRecordFormats: RecordFormats<TwostepRecords> = new RecordFormats([recordFormat1]);
