import type { Advertisement } from "./advertisement.js";
import type { AuditEntry } from "./audit-entry.js";
import type { SeenAdvertisement } from "./blocker.js";
import type { Member } from "./member.js";
import type { Versioned, WriteLevelRecord } from "./write-level-record.js";

/** Stops a watch. */
export interface Subscription {
  /** Stops delivering; idempotent. */
  stop(): Promise<void>;
}

/** A record that failed validation when it was read, reported instead of trusted. */
export interface MalformedRecord {
  /** Which store: `adverts`, `members`, `levels` or `audit`. */
  readonly store: string;
  readonly key: string;
  readonly problem: string;
}

/**
 * The fleet's shared state: advertisements, members, write-level records and
 * the audit log. Implementations: {@link MemoryControlPlane} for one process,
 * and the NATS JetStream KV control plane for real fleets; both pass one
 * contract suite. Writes are linearizable: a read that starts after a write
 * finished sees it. Every record read off a wire is validated; malformed ones
 * are skipped and reported to `onMalformed`.
 */
export interface ControlPlane {
  /** Stores a node's advertisement (its heartbeat). */
  putAdvertisement(advertisement: Advertisement): Promise<void>;
  /** Removes a node's advertisement; no error when there is none. */
  removeAdvertisement(nodeId: string): Promise<void>;
  /** Every advertisement not yet expired, with when it arrived. */
  listAdvertisements(): Promise<SeenAdvertisement[]>;
  /** One node's advertisement, or undefined. */
  getAdvertisement(nodeId: string): Promise<SeenAdvertisement | undefined>;

  /** Registers (or re-registers) a member. */
  putMember(member: Member): Promise<void>;
  /** Removes a member; no error when there is none. */
  removeMember(nodeId: string): Promise<void>;
  /** One member, or undefined. */
  getMember(nodeId: string): Promise<Member | undefined>;
  /** Every member. */
  listMembers(): Promise<Member[]>;

  /** The record of one capability, or undefined when none was ever set. */
  getLevel(capability: string): Promise<Versioned<WriteLevelRecord> | undefined>;
  /** Every write-level record. */
  listLevels(): Promise<Versioned<WriteLevelRecord>[]>;
  /**
   * Writes a record if its current revision is `expected` (0: it must not
   * exist yet). Returns the new revision; throws `RevisionConflictError`
   * when someone else changed it first.
   */
  compareAndSetLevel(record: WriteLevelRecord, expected: number): Promise<number>;
  /**
   * Calls `onChange` with every current record (in revision order, before
   * the returned promise resolves) and then with each change, in revision order.
   */
  watchLevels(onChange: (record: Versioned<WriteLevelRecord>) => void): Promise<Subscription>;

  /** Appends to the audit log. */
  appendAudit(entry: AuditEntry): Promise<void>;
  /** The audit log, oldest first, optionally of one capability and limited to the last `limit` entries. */
  readAudit(options?: { capability?: string; limit?: number }): Promise<AuditEntry[]>;
  /** Calls `onEntry` with each audit entry appended after the call. */
  watchAudit(onEntry: (entry: AuditEntry) => void): Promise<Subscription>;

  /** The control plane's clock, ms since the epoch: staleness is judged by it. */
  now(): number;
  /** Releases connections and watches. */
  close(): Promise<void>;
}
