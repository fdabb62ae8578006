import type { JetStreamClient, JetStreamManager, JsMsg } from "@nats-io/jetstream";
import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import type { KV, KvEntry } from "@nats-io/kv";
import { TimeoutError, type MsgHdrs, type NatsConnection } from "@nats-io/transport-node";
import {
  advertisementSchema,
  auditEntrySchema,
  InvalidRequestError,
  memberSchema,
  RevisionConflictError,
  writeLevelRecordSchema,
  type Advertisement,
  type AuditEntry,
  type ControlPlane,
  type MalformedRecord,
  type Member,
  type SeenAdvertisement,
  type Subscription,
  type Versioned,
  type WriteLevelRecord,
} from "@twostep/fleet";
import type { Logger } from "pino";
import type { z } from "zod";
import { followStream, readStream, readStreamByGets, type FollowedStream, type StoredMessage } from "./follow-stream.js";
import { decodeKey, encodeKey } from "./key-codec.js";
import { auditSubject, kvStream, type NatsLayout } from "./nats-layout.js";
import { parseRecord } from "./parse-record.js";
import { readLastValues } from "./read-last-values.js";
import { findCause, translateNatsError } from "./translate-nats-error.js";

/** What {@link connectNatsControlPlane} hands to a {@link NatsControlPlane}. */
export interface NatsControlPlaneParts {
  readonly connection: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly adverts: KV;
  readonly members: KV;
  readonly levels: KV;
  readonly layout: NatsLayout;
  /** The servers in words, for error messages. */
  readonly servers: string;
  readonly advertisementTtlMs: number;
  readonly timeoutMs: number;
  readonly onMalformed: ((record: MalformedRecord) => void) | undefined;
  readonly logger: Logger;
}

/** One KV bucket of the layout and the records it holds. */
interface Store<T> {
  readonly name: "adverts" | "members" | "levels";
  readonly bucket: string;
  readonly kv: KV;
  readonly schema: z.ZodType;
  /** The name a record is keyed by. */
  readonly nameOf: (value: T) => string;
}

/** The last message of a key, from a get or a consumer. */
interface StoredEntry {
  readonly key: string;
  readonly operation: KvEntry["operation"];
  readonly value: Uint8Array;
  readonly revision: number;
  /** The server's timestamp of the message, ms since the epoch. */
  readonly created: number;
}

/** A validated record with the entry it came from. */
interface Read<T> {
  readonly value: T;
  readonly revision: number;
  readonly created: number;
}

/** The header the KV layer marks deletes and purges with. */
const operationHeader = "KV-Operation";
/** Requests in flight when getting keys one by one: enough to hide latency, few enough to spare the server. */
const listConcurrency = 32;
/**
 * Listings of more keys than this read the bucket with one consumer; shorter
 * ones get each key (at most two rounds of gets, no consumer to create,
 * which in a cluster is a proposal to the meta leader).
 */
const bulkReadAbove = 2 * listConcurrency;
/** Consumer creations `readAudit` tries before reading through the stream leader, one message per request. */
const auditReadAttempts = 2;
const utf8 = new TextEncoder();

/**
 * The control plane on NATS JetStream (see docs/nats.md for the layout and
 * permissions). Every read of a single record or of a listing goes to the
 * stream leader, so a read that starts after a write finished sees it; the
 * watches follow the streams with consumers they recreate, at the next
 * sequence, whenever one is lost (a reconnect, a server down in a cluster).
 * Everything read is validated with the schemas of `@twostep/fleet`; a
 * malformed record is skipped, logged and reported to `onMalformed`. Errors
 * are typed: `RevisionConflictError`, `PermissionDeniedError` (naming the
 * operation), `ControlPlaneUnreachableError`, `InvalidRequestError`.
 */
export class NatsControlPlane implements ControlPlane {
  readonly #connection: NatsConnection;
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #layout: NatsLayout;
  readonly #servers: string;
  readonly #ttl: number;
  readonly #timeoutMs: number;
  readonly #onMalformed: ((record: MalformedRecord) => void) | undefined;
  readonly #logger: Logger;
  readonly #adverts: Store<Advertisement>;
  readonly #members: Store<Member>;
  readonly #levels: Store<WriteLevelRecord>;
  readonly #watches = new Set<FollowedStream>();
  #closed = false;

  /** Use {@link connectNatsControlPlane}. */
  constructor(parts: NatsControlPlaneParts) {
    this.#connection = parts.connection;
    this.#js = parts.js;
    this.#jsm = parts.jsm;
    this.#layout = parts.layout;
    this.#servers = parts.servers;
    this.#ttl = parts.advertisementTtlMs;
    this.#timeoutMs = parts.timeoutMs;
    this.#onMalformed = parts.onMalformed;
    this.#logger = parts.logger;
    const { layout } = parts;
    this.#adverts = { name: "adverts", bucket: layout.adverts, kv: parts.adverts, schema: advertisementSchema, nameOf: (advert) => advert.nodeId };
    this.#members = { name: "members", bucket: layout.members, kv: parts.members, schema: memberSchema, nameOf: (member) => member.nodeId };
    this.#levels = { name: "levels", bucket: layout.levels, kv: parts.levels, schema: writeLevelRecordSchema, nameOf: (record) => record.capability };
  }

  /** The bucket prefix and the names derived from it. */
  get layout(): NatsLayout {
    return this.#layout;
  }

  /** The TTL of advertisements in force, in ms: the bucket's own when it already existed. */
  get advertisementTtlMs(): number {
    return this.#ttl;
  }

  /** The local clock. Server timestamps (`seenAt`) are compared with it: keep clocks in sync (NTP) well within the staleness limit. */
  now(): number {
    return Date.now();
  }

  async putAdvertisement(advertisement: Advertisement): Promise<void> {
    await this.#put(this.#adverts, advertisement, `putAdvertisement ${advertisement.nodeId}`);
  }

  async removeAdvertisement(nodeId: string): Promise<void> {
    await this.#remove(this.#adverts, nodeId, `removeAdvertisement ${nodeId}`);
  }

  async listAdvertisements(): Promise<SeenAdvertisement[]> {
    const reads = await this.#list(this.#adverts, "listAdvertisements");
    return reads.map((read) => this.#seen(read)).filter((seen) => seen !== undefined);
  }

  async getAdvertisement(nodeId: string): Promise<SeenAdvertisement | undefined> {
    const read = await this.#get(this.#adverts, nodeId, `getAdvertisement ${nodeId}`);
    return read === undefined ? undefined : this.#seen(read);
  }

  async putMember(member: Member): Promise<void> {
    await this.#put(this.#members, member, `putMember ${member.nodeId}`);
  }

  async removeMember(nodeId: string): Promise<void> {
    await this.#remove(this.#members, nodeId, `removeMember ${nodeId}`);
  }

  async getMember(nodeId: string): Promise<Member | undefined> {
    return (await this.#get(this.#members, nodeId, `getMember ${nodeId}`))?.value;
  }

  async listMembers(): Promise<Member[]> {
    return (await this.#list(this.#members, "listMembers")).map((read) => read.value);
  }

  async getLevel(capability: string): Promise<Versioned<WriteLevelRecord> | undefined> {
    const read = await this.#get(this.#levels, capability, `getLevel ${capability}`);
    return read === undefined ? undefined : { value: read.value, revision: read.revision };
  }

  async listLevels(): Promise<Versioned<WriteLevelRecord>[]> {
    return (await this.#list(this.#levels, "listLevels")).map((read) => ({ value: read.value, revision: read.revision }));
  }

  async compareAndSetLevel(record: WriteLevelRecord, expected: number): Promise<number> {
    const operation = `compareAndSetLevel ${record.capability}`;
    if (!Number.isSafeInteger(expected) || expected < 0) {
      throw new InvalidRequestError(
        `${operation}: expected revision ${expected} is not a whole number of 0 or more: pass the revision getLevel returned, or 0`,
      );
    }
    const data = this.#encode(this.#levels.schema, record, operation);
    const key = encodeKey(record.capability);
    return this.#call(operation, async () => {
      try {
        // create() demands that the key has no value; update() that its last revision is `expected`.
        return expected === 0 ? await this.#levels.kv.create(key, data) : await this.#levels.kv.update(key, data, expected);
      } catch (error) {
        const code = findCause(error, JetStreamApiError)?.code;
        if (code === JetStreamApiCodes.StreamWrongLastSequence || code === JetStreamApiCodes.StreamWrongLastSequenceUnknown) {
          throw new RevisionConflictError(`write level of ${record.capability}`, expected, { cause: error });
        }
        throw error;
      }
    });
  }

  async watchLevels(onChange: (record: Versioned<WriteLevelRecord>) => void): Promise<Subscription> {
    const latest = new Map<string, number>();
    const store = this.#levels;
    return this.#follow("watchLevels", kvStream(store.bucket), `$KV.${store.bucket}.>`, "last-per-subject", (message) => {
      const read = this.#readMessage(store, message);
      if (read === undefined || (latest.get(read.value.capability) ?? 0) >= read.revision) return;
      latest.set(read.value.capability, read.revision);
      onChange({ value: read.value, revision: read.revision });
    });
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    const operation = `appendAudit ${entry.action}${entry.capability === null ? "" : ` ${entry.capability}`}`;
    const data = this.#encode(auditEntrySchema, entry, operation);
    const subject = auditSubject(this.#layout, entry.capability);
    // The entry id doubles as the message id: a retried append within the duplicate window is stored once.
    await this.#call(operation, () => this.#js.publish(subject, data, { msgID: entry.id }));
  }

  async readAudit(options: { capability?: string; limit?: number } = {}): Promise<AuditEntry[]> {
    const { capability, limit } = options;
    const operation = `readAudit${capability === undefined ? "" : ` ${capability}`}`;
    if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 0)) {
      throw new InvalidRequestError(`${operation}: limit ${limit} is not a whole number of 0 or more`);
    }
    const stream = this.#layout.auditStream;
    const filter = capability === undefined ? this.#layout.auditSubjects : auditSubject(this.#layout, capability);
    let entries: AuditEntry[] = [];
    await this.#call(operation, async () => {
      // The last sequence comes from the stream leader: the read then covers every append that finished before it.
      let until: number;
      let offline = false;
      if (capability === undefined) {
        const info = await this.#jsm.streams.info(stream);
        until = info.state.messages === 0 ? 0 : info.state.last_seq;
        // nats-server 2.9.10 may place the consumer on the offline replica, and that creation never answers.
        offline = info.cluster?.replicas?.some((peer) => peer.offline) ?? false;
      } else {
        until = (await this.#jsm.streams.getMessage(stream, { last_by_subj: filter }))?.seq ?? 0;
      }
      const onMessage = (message: StoredMessage): void => {
        const entry = this.#readAuditMessage(message);
        if (entry !== undefined) entries.push(entry);
      };
      if (!offline) {
        try {
          await readStream(this.#js, this.#jsm, {
            stream,
            filter,
            untilSequence: until,
            idleTimeoutMs: this.#timeoutMs,
            attempts: auditReadAttempts,
            onMessage,
          });
          return;
        } catch (error) {
          if (findCause(error, TimeoutError) === undefined) throw error;
          this.#logger.info({ operation, stream }, "the audit consumer did not answer (placed on a server that is down?); reading through the stream leader");
        }
      } else {
        this.#logger.info({ operation, stream }, "a replica of the audit stream is offline; reading through the stream leader");
      }
      entries = [];
      await readStreamByGets(this.#jsm, { stream, filter, untilSequence: until, onMessage });
    });
    return limit === undefined ? entries : limit === 0 ? [] : entries.slice(-limit);
  }

  async watchAudit(onEntry: (entry: AuditEntry) => void): Promise<Subscription> {
    return this.#follow("watchAudit", this.#layout.auditStream, this.#layout.auditSubjects, "new", (message) => {
      const entry = this.#readAuditMessage(message);
      if (entry !== undefined) onEntry(entry);
    });
  }

  /**
   * Drops the delete markers that members and advertisements leave when they
   * are removed, once older than `olderThanMs` (default 30 min), so listings
   * stay proportional to the live fleet. Only the marker is purged: a value
   * written after it stays. Needs release-manager credentials; returns how
   * many markers went.
   */
  async compact(olderThanMs = 30 * 60_000): Promise<number> {
    let purged = 0;
    for (const store of [this.#members, this.#adverts]) {
      const stream = kvStream(store.bucket);
      const entries = await this.#entries(store, "compact");
      const cutoff = Date.now() - olderThanMs;
      for (const entry of entries) {
        if (entry.operation === "PUT" || entry.created > cutoff) continue;
        const filter = `$KV.${store.bucket}.${entry.key}`;
        await this.#call("compact", () => this.#jsm.streams.purge(stream, { filter, seq: entry.revision + 1 }));
        purged++;
      }
    }
    return purged;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#watches].map((watch) => watch.stop()));
    this.#watches.clear();
    await this.#connection.close();
  }

  async #put<T>(store: Store<T>, value: T, operation: string): Promise<void> {
    const data = this.#encode(store.schema, value, operation);
    const key = encodeKey(store.nameOf(value));
    await this.#call(operation, () => store.kv.put(key, data));
  }

  async #remove<T>(store: Store<T>, name: string, operation: string): Promise<void> {
    const key = encodeKey(name);
    await this.#call(operation, () => store.kv.delete(key));
  }

  async #get<T>(store: Store<T>, name: string, operation: string): Promise<Read<T> | undefined> {
    const key = encodeKey(name);
    const entry = await this.#call(operation, () => store.kv.get(key));
    return entry === null ? undefined : this.#readEntry(store, storedEntry(entry));
  }

  async #list<T>(store: Store<T>, operation: string): Promise<Read<T>[]> {
    const entries = await this.#entries(store, operation);
    return entries.map((entry) => this.#readEntry(store, entry)).filter((read) => read !== undefined);
  }

  /**
   * The last entry of every key, deletes included, as new as every write
   * that finished before the call: the stream leader lists the keys, then
   * one consumer on that same server reads the last message of each (see
   * docs/nats.md, "Listings"). What the consumer did not deliver, and every
   * key of a short listing, is read through the leader key by key.
   */
  async #entries(store: Pick<Store<unknown>, "name" | "bucket" | "kv">, operation: string): Promise<StoredEntry[]> {
    const prefix = `$KV.${store.bucket}.`;
    const stream = kvStream(store.bucket);
    const info = await this.#call(operation, () => this.#jsm.streams.info(stream, { subjects_filter: `${prefix}>` }));
    const subjects = Object.keys(info.state.subjects ?? {}).filter((subject) => this.#isEncodedKey(store, subject.slice(prefix.length)));
    const keys = subjects.map((subject) => subject.slice(prefix.length));
    if (keys.length <= bulkReadAbove) return this.#getEntries(store, keys, operation);
    const read = await this.#call(operation, () =>
      readLastValues(this.#js, this.#jsm, {
        stream,
        filter: `${prefix}>`,
        subjects,
        cluster: info.cluster,
        idleTimeoutMs: this.#timeoutMs,
      }),
    );
    if (!read.onLeader)
      this.#logger.info(
        { operation, stream },
        "no listing consumer ran on the stream leader (a replica offline, or placed elsewhere); reading each key through the leader",
      );
    const missing = keys.filter((_, index) => read.messages[index] === undefined);
    const fetched = new Map((await this.#getEntries(store, missing, operation)).map((entry) => [entry.key, entry]));
    return keys.flatMap((key, index) => {
      const message = read.messages[index];
      const entry = message === undefined ? fetched.get(key) : entryOf(message, prefix);
      return entry === undefined ? [] : [entry];
    });
  }

  /** The last entry of each key, one get each through the stream leader, {@link listConcurrency} at a time; keys without one are left out. */
  async #getEntries(store: Pick<Store<unknown>, "kv">, keys: readonly string[], operation: string): Promise<StoredEntry[]> {
    const entries = await mapLimited(keys, listConcurrency, (key) => this.#call(operation, () => store.kv.get(key)));
    return entries.filter((entry) => entry !== null).map(storedEntry);
  }

  /** True when `key` is an encoded name; any other key is reported as malformed. */
  #isEncodedKey(store: Pick<Store<unknown>, "name">, key: string): boolean {
    if (decodeKey(key) !== undefined) return true;
    this.#malformed(store.name, key, "the key is not an encoded name (written by something other than twostep)");
    return false;
  }

  #readEntry<T>(store: Store<T>, entry: StoredEntry): Read<T> | undefined {
    if (entry.operation !== "PUT") return undefined;
    return this.#validate(store, entry.key, entry.value, entry.revision, entry.created);
  }

  #readMessage<T>(store: Store<T>, message: JsMsg): Read<T> | undefined {
    return this.#readEntry(store, entryOf(message, `$KV.${store.bucket}.`));
  }

  #validate<T>(store: Store<T>, key: string, data: Uint8Array, revision: number, created: number): Read<T> | undefined {
    const name = decodeKey(key);
    if (name === undefined) {
      this.#malformed(store.name, key, "the key is not an encoded name (written by something other than twostep)");
      return undefined;
    }
    const parsed = parseRecord<T>(store.schema, data);
    if (!parsed.ok) {
      this.#malformed(store.name, name, parsed.problem);
      return undefined;
    }
    if (store.nameOf(parsed.value) !== name) {
      this.#malformed(store.name, name, `stored under ${JSON.stringify(name)} but names ${JSON.stringify(store.nameOf(parsed.value))}`);
      return undefined;
    }
    return { value: parsed.value, revision, created };
  }

  #readAuditMessage(message: StoredMessage): AuditEntry | undefined {
    const parsed = parseRecord<AuditEntry>(auditEntrySchema, message.data);
    const key = `${message.subject}#${message.seq}`;
    if (!parsed.ok) {
      this.#malformed("audit", key, parsed.problem);
      return undefined;
    }
    if (auditSubject(this.#layout, parsed.value.capability) !== message.subject) {
      this.#malformed("audit", key, `published on ${message.subject} but concerns capability ${JSON.stringify(parsed.value.capability)}`);
      return undefined;
    }
    return parsed.value;
  }

  #seen(read: Read<Advertisement>): SeenAdvertisement | undefined {
    // The bucket TTL removes old entries eventually; judge by time so that listings agree with it at once.
    return this.now() - read.created > this.#ttl ? undefined : { advertisement: read.value, seenAt: read.created };
  }

  async #follow(
    operation: string,
    stream: string,
    filter: string,
    deliver: "last-per-subject" | "new",
    onMessage: (message: JsMsg) => void,
  ): Promise<Subscription> {
    const followed = await this.#call(operation, async () => {
      const started = await followStream(this.#js, this.#jsm, {
        stream,
        filter,
        deliver,
        onMessage: (message) => {
          try {
            onMessage(message);
          } catch (error) {
            // A watcher's failure is its own; it must not stop delivery.
            this.#logger.warn({ err: error, operation }, "a watcher threw; delivery goes on");
          }
        },
        onLost: (reason) => this.#logger.warn({ err: reason, operation }, "watch lost its consumer; recreating it"),
        onRetry: (error) => this.#logger.debug({ err: error, operation }, "recreating the watch's consumer failed; retrying"),
        onRecovered: (attempts) => this.#logger.info({ operation, attempts }, "watch recovered"),
        idleTimeoutMs: this.#timeoutMs,
      });
      try {
        await started.caughtUp;
      } catch (error) {
        await started.stop();
        throw error;
      }
      return started;
    });
    this.#watches.add(followed);
    return {
      stop: async () => {
        this.#watches.delete(followed);
        await followed.stop();
      },
    };
  }

  #encode(schema: z.ZodType, value: unknown, operation: string): Uint8Array {
    const data = utf8.encode(JSON.stringify(value));
    const parsed = parseRecord(schema, data);
    // Refuse to write what every reader would skip as malformed.
    if (!parsed.ok) throw new InvalidRequestError(`${operation}: the value ${parsed.problem}`);
    return data;
  }

  #malformed(store: string, key: string, problem: string): void {
    const record: MalformedRecord = { store, key, problem };
    this.#logger.warn(record, "malformed record skipped");
    try {
      this.#onMalformed?.(record);
    } catch (error) {
      this.#logger.error({ err: error }, "onMalformed hook failed");
    }
  }

  async #call<T>(operation: string, action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      throw translateNatsError(error, { operation, servers: this.#servers, prefix: this.#layout.prefix });
    }
  }
}

function storedEntry(entry: KvEntry): StoredEntry {
  return { key: entry.key, operation: entry.operation, value: entry.value, revision: entry.revision, created: entry.created.getTime() };
}

/** The entry a KV stream message stands for: its subject names the key, a header marks deletes and purges. */
function entryOf(message: JsMsg, prefix: string): StoredEntry {
  return {
    key: message.subject.slice(prefix.length),
    operation: operationOf(message.headers),
    value: message.data,
    revision: message.seq,
    created: message.time.getTime(),
  };
}

/** The operation as `@nats-io/kv` reads it off an entry, so that gets and consumers agree. */
function operationOf(headers: MsgHdrs | undefined): KvEntry["operation"] {
  // Servers from 2.11 mark a value that aged out with a marker of this reason.
  if (headers?.get("Nats-Marker-Reason") === "MaxAge") return "PURGE";
  return (headers?.get(operationHeader) || "PUT") as KvEntry["operation"];
}

async function mapLimited<T, R>(items: readonly T[], limit: number, map: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
