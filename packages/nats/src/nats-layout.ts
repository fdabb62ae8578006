import { InvalidRequestError } from "@twostep/fleet";
import { encodeKey } from "./key-codec.js";

/** Where a control plane keeps its state on a NATS server, derived from one prefix (see docs/nats.md). */
export interface NatsLayout {
  readonly prefix: string;
  /** KV bucket of advertisements, with a TTL: `<prefix>_adverts`. */
  readonly adverts: string;
  /** KV bucket of members: `<prefix>_members`. */
  readonly members: string;
  /** KV bucket of write-level records, with history: `<prefix>_levels`. */
  readonly levels: string;
  /** Stream of the audit log: `<PREFIX>_AUDIT`. */
  readonly auditStream: string;
  /** Subjects of the audit stream: `<prefix>.audit.>`. */
  readonly auditSubjects: string;
}

/** A prefix names buckets, a stream and subjects: keep it to what all three allow, in one case so that two prefixes never share the upper-cased stream name. */
const prefixPattern = /^[a-z0-9_-]{1,32}$/;

/** The layout under `prefix`. Throws {@link InvalidRequestError} for a prefix NATS names cannot carry. */
export function natsLayout(prefix: string): NatsLayout {
  if (!prefixPattern.test(prefix)) {
    throw new InvalidRequestError(`bucket prefix ${JSON.stringify(prefix)} is not usable: give 1 to 32 lower-case letters, digits, "_" or "-"`);
  }
  return {
    prefix,
    adverts: `${prefix}_adverts`,
    members: `${prefix}_members`,
    levels: `${prefix}_levels`,
    auditStream: `${prefix.toUpperCase()}_AUDIT`,
    auditSubjects: `${prefix}.audit.>`,
  };
}

/** The KV stream behind a bucket. */
export function kvStream(bucket: string): string {
  return `KV_${bucket}`;
}

/** The subject an audit entry of `capability` is published on; `_` for entries of no capability. */
export function auditSubject(layout: NatsLayout, capability: string | null): string {
  return `${layout.prefix}.audit.${capability === null ? "_" : encodeKey(capability)}`;
}
