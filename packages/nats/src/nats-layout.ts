import { InvalidRequestError } from "@twostep/fleet";

/** The names of everything the control plane keeps in NATS under one prefix (see docs/nats.md, "Layout"). */
export interface NatsLayout {
  /** The prefix, such as `twostep`. */
  readonly prefix: string;
  /** The stream of the log: `TWOSTEP_FLEET`. */
  readonly fleetStream: string;
  /** Every subject of the log: `twostep.fleet.>`. */
  readonly fleetSubjects: string;
  /** What a node reads: the records and the join markers, `twostep.fleet.r.>`. */
  readonly recordsFilter: string;
  /** The records alone, the subjects the stream republishes: `twostep.fleet.r.s.>`. */
  readonly recordValues: string;
  /** Where a registering node marks its position in the records: `twostep.fleet.r.j`. */
  readonly joinSubject: string;
  /** Refusals and decommissions: `twostep.fleet.a.>`. */
  readonly auditFilter: string;
  /** What the rollout controller works on (plans, change requests, its lease): `twostep.fleet.c.>`. */
  readonly controlFilter: string;
  /** Rollout plans: `twostep.fleet.c.o.>`. */
  readonly rolloutFilter: string;
  /** Change requests: `twostep.fleet.c.q.>`. */
  readonly requestFilter: string;
  /** Where the stream republishes each record as it is stored: `twostep.follow.>`. */
  readonly followSubjects: string;
  /** The heartbeat bucket, `twostep_beats`, in the stream `KV_twostep_beats`. */
  readonly beatsBucket: string;
  readonly beatsStream: string;
  /** Every subject of the heartbeat bucket: `$KV.twostep_beats.>`. */
  readonly beatsSubjects: string;
  /** The marks of node ids holding records the store lost, in the heartbeat bucket: `$KV.twostep_beats.*._regressed`. */
  readonly marksFilter: string;
  /** Where {@link NatsLayout.beatsStream} takes the time from: `$KV.twostep_beats._clock`. */
  readonly clockSubject: string;
}

/**
 * The last token of the mark of a node id holding records the store lost,
 * after the node id: never an encoded incarnation (an encoding has `_` only
 * before two hex digits), and inside a node's heartbeat permissions (`<N>.*`).
 */
export const MARK_TOKEN = "_regressed";

/** A prefix names streams and subjects: keep it to what both allow, in one case so that two prefixes never share the upper-cased stream name. */
const prefixPattern = /^[a-z0-9_-]{1,32}$/;

/** The layout under `prefix`. Throws {@link InvalidRequestError} for a prefix NATS names cannot carry. */
export function natsLayout(prefix: string): NatsLayout {
  if (!prefixPattern.test(prefix)) {
    throw new InvalidRequestError(`bucket prefix ${JSON.stringify(prefix)} is not usable: give 1 to 32 lower-case letters, digits, "_" or "-"`);
  }
  const beatsBucket = `${prefix}_beats`;
  return {
    prefix,
    fleetStream: `${prefix.toUpperCase()}_FLEET`,
    fleetSubjects: `${prefix}.fleet.>`,
    recordsFilter: `${prefix}.fleet.r.>`,
    recordValues: `${prefix}.fleet.r.s.>`,
    joinSubject: `${prefix}.fleet.r.j`,
    auditFilter: `${prefix}.fleet.a.>`,
    controlFilter: `${prefix}.fleet.c.>`,
    rolloutFilter: `${prefix}.fleet.c.o.>`,
    requestFilter: `${prefix}.fleet.c.q.>`,
    followSubjects: `${prefix}.follow.>`,
    beatsBucket,
    beatsStream: `KV_${beatsBucket}`,
    beatsSubjects: `$KV.${beatsBucket}.>`,
    marksFilter: `$KV.${beatsBucket}.*.${MARK_TOKEN}`,
    clockSubject: `$KV.${beatsBucket}._clock`,
  };
}
