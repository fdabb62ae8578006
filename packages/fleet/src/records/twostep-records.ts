import type { z } from "zod";
import { type BuildRecord, buildRecordSchema } from "./build-record.js";
import { type ChangeRequest, changeRequestSchema, type RequestOutcome, requestOutcomeSchema } from "./change-request.js";
import { type ControllerLease, controllerLeaseSchema } from "./controller-lease.js";
import {
  type DecommissionRecord,
  type DepartureRecord,
  decommissionRecordSchema,
  departureRecordSchema,
  type RefusalRecord,
  refusalRecordSchema,
} from "./departure-record.js";
import { fastRecordChecks } from "./fast-record-checks.js";
import { type HeartbeatRecord, heartbeatRecordSchema } from "./heartbeat-record.js";
import { type MemberRecord, memberRecordSchema } from "./member-record.js";
import { type PlaneMeta, planeMetaSchema } from "./plane-meta.js";
import { parseWith, type RecordFormat, RecordFormats } from "./record-formats.js";
import { type RolloutRecord, rolloutRecordSchema } from "./rollout-record.js";
import { type WriteLevelRecord, writeLevelRecordSchema } from "./write-level-record.js";

/** Every kind of record twostep stores, by kind. */
export interface TwostepRecords {
  readonly level: WriteLevelRecord;
  readonly member: MemberRecord;
  readonly build: BuildRecord;
  readonly heartbeat: HeartbeatRecord;
  readonly departure: DepartureRecord;
  readonly decommission: DecommissionRecord;
  readonly refusal: RefusalRecord;
  readonly meta: PlaneMeta;
  readonly rollout: RolloutRecord;
  readonly controller: ControllerLease;
  readonly request: ChangeRequest;
  readonly outcome: RequestOutcome;
}

/** A kind of twostep record. */
export type RecordKind = keyof TwostepRecords;

const schemas: { readonly [K in RecordKind]: z.ZodType<TwostepRecords[K]> } = {
  level: writeLevelRecordSchema as z.ZodType<WriteLevelRecord>,
  member: memberRecordSchema as z.ZodType<MemberRecord>,
  build: buildRecordSchema as z.ZodType<BuildRecord>,
  heartbeat: heartbeatRecordSchema as z.ZodType<HeartbeatRecord>,
  departure: departureRecordSchema as z.ZodType<DepartureRecord>,
  decommission: decommissionRecordSchema as z.ZodType<DecommissionRecord>,
  refusal: refusalRecordSchema as z.ZodType<RefusalRecord>,
  meta: planeMetaSchema as z.ZodType<PlaneMeta>,
  rollout: rolloutRecordSchema as z.ZodType<RolloutRecord>,
  controller: controllerLeaseSchema as z.ZodType<ControllerLease>,
  request: changeRequestSchema as z.ZodType<ChangeRequest>,
  outcome: requestOutcomeSchema as z.ZodType<RequestOutcome>,
};

/**
 * Record format 1: each record is the JSON of its model. Fields a reader
 * does not know are kept, and written back when it rewrites the record, so
 * a newer twostep may add fields that older ones carry along.
 */
export const recordFormat1: RecordFormat<TwostepRecords> = {
  version: 1,
  encode: (_kind, model) => ({ ...(model as unknown as Record<string, unknown>) }),
  // JSON that passes a kind's fast check is what its schema would give back: taken as it is, without a parse that copies it.
  decode: (kind, json) => (fastRecordChecks[kind]?.(json) === true ? (json as unknown as TwostepRecords[typeof kind]) : parseWith(schemas[kind], json)),
};

/** The record formats this twostep reads and writes. */
export const twostepRecordFormats: RecordFormats<TwostepRecords> = new RecordFormats([recordFormat1]);
