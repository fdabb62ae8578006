import type { Advertisement } from "./advertisement.js";
import type { AuditEntry } from "./audit-entry.js";
import type { SeenAdvertisement } from "./blocker.js";
import type { ControlPlane, Subscription } from "./control-plane.js";
import { RevisionConflictError } from "./fleet-errors.js";
import type { Member } from "./member.js";
import type { Versioned, WriteLevelRecord } from "./write-level-record.js";

/** Options of {@link MemoryControlPlane}. */
export interface MemoryControlPlaneOptions {
  /** The clock, ms since the epoch. Defaults to `Date.now`; tests pass a fake one. */
  readonly clock?: () => number;
  /** Advertisements older than this vanish, as with a NATS bucket TTL. Defaults to 60 s. */
  readonly advertisementTtlMs?: number;
}

/**
 * The control plane for one process: the demo, tests and single-process
 * apps. It keeps the contract of every control plane (linearizable writes,
 * compare-and-set on revisions, advertisements expiring after a TTL, watches
 * delivered asynchronously in order). Every value is copied once on the way
 * in and deep-frozen, and handed out frozen without copying (reads stay cheap
 * at 10,000 nodes): no caller can change stored state behind its back.
 */
export class MemoryControlPlane implements ControlPlane {
  readonly #clock: () => number;
  readonly #ttl: number;
  readonly #adverts = new Map<string, SeenAdvertisement>();
  readonly #members = new Map<string, Member>();
  readonly #levels = new Map<string, Versioned<WriteLevelRecord>>();
  readonly #audit: AuditEntry[] = [];
  readonly #levelWatchers = new Set<(record: Versioned<WriteLevelRecord>) => void>();
  readonly #auditWatchers = new Set<(entry: AuditEntry) => void>();
  #revision = 0;

  constructor(options: MemoryControlPlaneOptions = {}) {
    this.#clock = options.clock ?? Date.now;
    this.#ttl = options.advertisementTtlMs ?? 60_000;
  }

  now(): number {
    return this.#clock();
  }

  async putAdvertisement(advertisement: Advertisement): Promise<void> {
    this.#adverts.set(advertisement.nodeId, frozenCopy({ advertisement, seenAt: this.now() }));
  }

  async removeAdvertisement(nodeId: string): Promise<void> {
    this.#adverts.delete(nodeId);
  }

  async listAdvertisements(): Promise<SeenAdvertisement[]> {
    const now = this.now();
    return [...this.#adverts.values()].filter((seen) => now - seen.seenAt <= this.#ttl);
  }

  async getAdvertisement(nodeId: string): Promise<SeenAdvertisement | undefined> {
    const seen = this.#adverts.get(nodeId);
    return seen === undefined || this.now() - seen.seenAt > this.#ttl ? undefined : seen;
  }

  async putMember(member: Member): Promise<void> {
    this.#members.set(member.nodeId, frozenCopy(member));
  }

  async removeMember(nodeId: string): Promise<void> {
    this.#members.delete(nodeId);
  }

  async getMember(nodeId: string): Promise<Member | undefined> {
    return this.#members.get(nodeId);
  }

  async listMembers(): Promise<Member[]> {
    return [...this.#members.values()];
  }

  async getLevel(capability: string): Promise<Versioned<WriteLevelRecord> | undefined> {
    return this.#levels.get(capability);
  }

  async listLevels(): Promise<Versioned<WriteLevelRecord>[]> {
    return [...this.#levels.values()];
  }

  async compareAndSetLevel(record: WriteLevelRecord, expected: number): Promise<number> {
    const current = this.#levels.get(record.capability)?.revision ?? 0;
    if (current !== expected) throw new RevisionConflictError(`write level of ${record.capability}`, expected);
    const stored = frozenCopy({ value: record, revision: ++this.#revision });
    this.#levels.set(record.capability, stored);
    for (const watcher of this.#levelWatchers) deliver(watcher, stored);
    return stored.revision;
  }

  async watchLevels(onChange: (record: Versioned<WriteLevelRecord>) => void): Promise<Subscription> {
    // The current records first, in revision order, before the watch resolves.
    const current = [...this.#levels.values()].sort((a, b) => a.revision - b.revision);
    for (const stored of current) {
      try {
        onChange(stored);
      } catch {
        // A watcher's failure is its own.
      }
    }
    this.#levelWatchers.add(onChange);
    return { stop: async () => void this.#levelWatchers.delete(onChange) };
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    const stored = frozenCopy(entry);
    this.#audit.push(stored);
    for (const watcher of this.#auditWatchers) deliver(watcher, stored);
  }

  async readAudit(options: { capability?: string; limit?: number } = {}): Promise<AuditEntry[]> {
    const { capability, limit } = options;
    const entries = this.#audit.filter((entry) => capability === undefined || entry.capability === capability);
    if (limit === undefined) return entries;
    return limit <= 0 ? [] : entries.slice(-limit);
  }

  async watchAudit(onEntry: (entry: AuditEntry) => void): Promise<Subscription> {
    this.#auditWatchers.add(onEntry);
    return { stop: async () => void this.#auditWatchers.delete(onEntry) };
  }

  async close(): Promise<void> {
    this.#levelWatchers.clear();
    this.#auditWatchers.clear();
  }
}

function frozenCopy<T>(value: T): T {
  return deepFreeze(structuredClone(value));
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

function deliver<T>(watcher: (value: T) => void, value: T): void {
  queueMicrotask(() => {
    try {
      watcher(value);
    } catch {
      // A watcher's failure is its own; it must not stop delivery to others.
    }
  });
}
