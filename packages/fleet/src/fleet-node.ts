import {
  CannotWriteVersionError,
  CorruptFrameError,
  isTwostepError,
  type DecodedFrame,
  type MessageType,
  type Protocol,
  type TwostepError,
} from "@twostep/core";
import { pino, type Logger } from "pino";
import type { Advertisement, CapabilitySupport } from "./advertisement.js";
import type { ControlPlane, Subscription } from "./control-plane.js";
import { FencedError, JoinRefusedError } from "./fleet-errors.js";
import { joinProblems } from "./join-guard.js";
import { inRange, type LevelRange } from "./level-range.js";
import { NodeMetrics, UNKNOWN_TYPE, type MetricsSnapshot } from "./node-metrics.js";
import { WriteShare } from "./write-share.js";
import { requiredLevels, type Versioned, type WriteLevelRecord } from "./write-level-record.js";

/** A frame that could not be decoded, with the typed error saying why. */
export interface DeadLetter {
  readonly frame: Uint8Array;
  readonly error: TwostepError;
  readonly nodeId: string;
  readonly at: number;
}

/** Options of {@link startNode}. */
export interface NodeOptions {
  readonly controlPlane: ControlPlane;
  /** The message types this build reads and writes. */
  readonly protocol: Protocol;
  /** Unique id of this process in the fleet. */
  readonly nodeId: string;
  readonly service: string;
  /** Build id of this binary: a version, a commit, an image digest. */
  readonly build: string;
  /** Feature capabilities besides the message types, such as `compression.zstd`. */
  readonly features?: Readonly<Record<string, CapabilitySupport>>;
  /**
   * The capabilities this node takes part in, when it takes part in only
   * some: it then neither blocks nor needs readers of the others. Defaults
   * to all, the safe choice (an old build lacking a new type blocks it).
   */
  readonly uses?: readonly string[];
  /** Heartbeat period. Defaults to 3 s; keep it well under the coordinator's staleness limit (15 s). */
  readonly heartbeatMs?: number;
  /** Receives every frame that cannot be decoded. Defaults to logging it at warn level. */
  readonly onDeadLetter?: (letter: DeadLetter) => void;
  /** Called once if the node finds itself outside the fleet and stops writing. Defaults to logging at error level. */
  readonly onFenced?: (error: FencedError) => void;
  /**
   * Called each time the node applies a newer write-level record from its
   * watch, with the record and its revision: from then on `writeLevel`
   * follows it. Records the node read when joining are not reported, nor
   * ones no newer than what it holds. Runs on the watch's delivery path, so
   * keep it quick; an exception is logged and changes nothing. Defaults to none.
   */
  readonly onWriteLevel?: (record: WriteLevelRecord, revision: number) => void;
  /** Structured logger. Defaults to pino at the level of `TWOSTEP_LOG_LEVEL` (else `warn`). */
  readonly logger?: Logger;
}

/** Options of {@link FleetNode.encode}. */
export interface EncodeOptions {
  /** The message key (an order id, a customer id): ramps hash it so one entity never flips between versions. */
  readonly key?: string;
}

/**
 * Starts a node: registers it as a member, advertises what it reads and
 * writes, and runs the join guard against the fleet's write levels. Throws
 * {@link JoinRefusedError} (after leaving again) when this build cannot read
 * a level the fleet requires.
 */
export async function startNode(options: NodeOptions): Promise<FleetNode> {
  const node = new FleetNode(options);
  await node.join();
  return node;
}

/**
 * A running node: encodes each type at the level the fleet allows it, reads
 * every level it knows, follows level changes as they happen (keeping the
 * last ones seen while disconnected), and heartbeats its advertisement with
 * its frame counters.
 */
export class FleetNode {
  readonly nodeId: string;
  readonly service: string;
  readonly build: string;
  readonly protocol: Protocol;
  readonly startedAt: number;
  readonly #plane: ControlPlane;
  readonly #capabilities: Readonly<Record<string, CapabilitySupport>>;
  readonly #uses: readonly string[] | undefined;
  readonly #heartbeatMs: number;
  readonly #onDeadLetter: (letter: DeadLetter) => void;
  readonly #onFenced: (error: FencedError) => void;
  readonly #onWriteLevel: ((record: WriteLevelRecord, revision: number) => void) | undefined;
  readonly #logger: Logger;
  readonly #records = new Map<string, Versioned<WriteLevelRecord>>();
  readonly #metrics = new NodeMetrics();
  readonly #share = new WriteShare();
  #watch: Subscription | undefined;
  #timer: NodeJS.Timeout | undefined;
  #fenced: FencedError | undefined;
  #stopped = false;

  /** Use {@link startNode}; a node built directly has not joined. */
  constructor(options: NodeOptions) {
    this.nodeId = options.nodeId;
    this.service = options.service;
    this.build = options.build;
    this.protocol = options.protocol;
    this.#plane = options.controlPlane;
    this.startedAt = this.#plane.now();
    this.#heartbeatMs = options.heartbeatMs ?? 3_000;
    this.#logger = (options.logger ?? pino({ name: "twostep", level: process.env["TWOSTEP_LOG_LEVEL"] ?? "warn" })).child({
      nodeId: this.nodeId,
      service: this.service,
      build: this.build,
    });
    this.#onDeadLetter = options.onDeadLetter ?? ((letter) => this.#logger.warn({ code: letter.error.code, err: letter.error }, "dead letter"));
    this.#onFenced = options.onFenced ?? ((error) => this.#logger.error({ code: error.code }, error.message));
    this.#onWriteLevel = options.onWriteLevel;
    const capabilities: Record<string, CapabilitySupport> = { ...options.features };
    for (const type of options.protocol.types) capabilities[type.name] = { reads: type.reads, writes: type.writes };
    this.#capabilities = capabilities;
    this.#uses = options.uses === undefined ? undefined : [...options.uses];
  }

  /**
   * Registers, advertises, runs the join guard and starts following levels
   * and heartbeating. If any step fails after registering, it leaves again
   * (best effort) before rethrowing: a node that never ran must not stay
   * behind as a member that blocks every change once its heartbeat is stale.
   */
  async join(): Promise<void> {
    await this.#plane.putMember({ nodeId: this.nodeId, service: this.service, build: this.build, joinedAt: this.startedAt });
    try {
      await this.#joinRegistered();
    } catch (error) {
      await this.#watch?.stop().catch(() => {});
      await this.#leave().catch((leaveError: unknown) => this.#logger.error({ err: leaveError }, "could not leave after a failed join"));
      throw error;
    }
  }

  async #joinRegistered(): Promise<void> {
    const advertisement = this.advertisement();
    await this.#plane.putAdvertisement(advertisement);
    // Read after registering: a coordinator committing meanwhile either sees
    // this member or is seen here (both sides write, then read).
    const records = await this.#plane.listLevels();
    const problems = joinProblems(
      advertisement,
      records.map((stored) => stored.value),
    );
    if (problems.length > 0) {
      const error = new JoinRefusedError(this.nodeId, problems);
      this.#logger.error({ code: error.code, problems }, "join refused");
      throw error;
    }
    for (const stored of records) this.#records.set(stored.value.capability, stored);
    this.#watch = await this.#plane.watchLevels((stored) => this.#follow(stored));
    this.#timer = setInterval(() => void this.#heartbeat(), this.#heartbeatMs);
    this.#timer.unref();
    this.#logger.info({ capabilities: Object.keys(this.#capabilities).length }, "joined the fleet");
  }

  /** What this node advertises now. */
  advertisement(): Advertisement {
    return {
      nodeId: this.nodeId,
      service: this.service,
      build: this.build,
      capabilities: this.#capabilities,
      ...(this.#uses === undefined ? {} : { uses: this.#uses }),
      startedAt: this.startedAt,
      heartbeatAt: this.#plane.now(),
      counters: this.#metrics.snapshot(),
    };
  }

  /** True once the node found itself outside the fleet; it then refuses to encode. */
  get fenced(): boolean {
    return this.#fenced !== undefined;
  }

  /** The write-level record this node follows for `capability`, if any. */
  record(capability: string): WriteLevelRecord | undefined {
    return this.#records.get(capability)?.value;
  }

  /**
   * The level this node writes `capability` at for this write: the fleet's
   * level, or the ramp target for the ramp's share (by key, by node, or spread
   * over the stream when no key is given). A level this build cannot write
   * falls back to the highest required level it can; a level still being
   * enabled (an intent) is never used. With no record yet, the lowest level
   * this build writes. Throws {@link CannotWriteVersionError} or
   * {@link FencedError} when no level is safe.
   */
  writeLevel(capability: string, options: EncodeOptions = {}): number {
    if (this.#fenced !== undefined) throw this.#fenced;
    const writes = this.#capabilities[capability]?.writes;
    if (writes === undefined) throw new CannotWriteVersionError(capability, -1, { min: 0, max: -1 });
    const record = this.#records.get(capability)?.value;
    if (record === undefined) return writes.min;
    const pending = record.intent?.levels ?? [];
    if (pending.includes(record.level)) return writes.min;
    let level = record.level;
    const ramp = record.ramp;
    if (ramp !== null && !pending.includes(ramp.to)) {
      const selected =
        ramp.by === "node" ? this.#share.select(capability, ramp.percent, `node:${this.nodeId}`) : this.#share.select(capability, ramp.percent, options.key);
      if (selected) level = ramp.to;
    }
    if (inRange(writes, level)) return level;
    const fallback = requiredLevels(record).filter((candidate) => inRange(writes, candidate) && !pending.includes(candidate));
    const best = fallback.at(-1);
    if (best === undefined) throw new CannotWriteVersionError(capability, level, writes);
    return best;
  }

  /** Encodes a value of the newest shape at the level the fleet allows (see {@link FleetNode.writeLevel}). */
  encode<T>(type: MessageType<T> | string, value: T, options: EncodeOptions = {}): Uint8Array {
    const messageType = typeof type === "string" ? this.protocol.type<T>(type) : type;
    const version = this.writeLevel(messageType.name, options);
    const frame = messageType.encode(value, version);
    this.#metrics.count("written", messageType.name, version);
    return frame;
  }

  /**
   * Decodes a frame. On failure the frame goes to the dead-letter hook with
   * its typed error, is counted as failed, and `undefined` is returned: a bad
   * frame never throws out of here.
   */
  decode(frame: Uint8Array): DecodedFrame | undefined {
    try {
      const decoded = this.protocol.decode(frame);
      this.#metrics.count("read", decoded.type.name, decoded.version);
      return decoded;
    } catch (error) {
      this.#deadLetter(frame, error);
      return undefined;
    }
  }

  /**
   * The version to reply in to a requester that reads `requesterReads` of
   * `type`: the highest one it reads and this node writes.
   */
  replyVersion(type: MessageType<any> | string, requesterReads: LevelRange): number {
    const messageType = typeof type === "string" ? this.protocol.type(type) : type;
    const top = Math.min(requesterReads.max, messageType.writes.max);
    if (top < Math.max(requesterReads.min, messageType.writes.min)) {
      throw new CannotWriteVersionError(messageType.name, requesterReads.max, messageType.writes);
    }
    return top;
  }

  /**
   * Encodes a reply for a requester, identified by node id (its
   * advertisement is looked up) or by the range it reads. When the requester
   * is unknown, the reply uses the fleet's write level, which every member reads.
   */
  async encodeReply<T>(type: MessageType<T> | string, value: T, requester: string | LevelRange): Promise<Uint8Array> {
    const messageType = typeof type === "string" ? this.protocol.type<T>(type) : type;
    const reads =
      typeof requester === "string" ? (await this.#plane.getAdvertisement(requester))?.advertisement.capabilities[messageType.name]?.reads : requester;
    const version = reads === undefined ? this.writeLevel(messageType.name) : this.replyVersion(messageType, reads);
    const frame = messageType.encode(value, version);
    this.#metrics.count("written", messageType.name, version);
    return frame;
  }

  /** Frames read, written and failed per type and version since start. */
  metrics(): MetricsSnapshot {
    return this.#metrics.snapshot();
  }

  /** Leaves the fleet cleanly: stops heartbeating and following, removes its advertisement and membership. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#watch?.stop();
    await this.#leave();
    this.#logger.info("left the fleet");
  }

  /** Sends one heartbeat now (the timer does this every `heartbeatMs`). */
  async heartbeat(): Promise<void> {
    await this.#heartbeat();
  }

  async #heartbeat(): Promise<void> {
    if (this.#stopped) return;
    try {
      await this.#plane.putAdvertisement(this.advertisement());
      if (this.#fenced === undefined && (await this.#plane.getMember(this.nodeId)) === undefined) {
        this.#fence("it was decommissioned while it could not heartbeat");
      }
    } catch (error) {
      // Keep the last levels seen and try again at the next beat.
      this.#logger.warn({ err: error }, "heartbeat failed; keeping the last write levels seen");
    }
  }

  #follow(stored: Versioned<WriteLevelRecord>): void {
    const known = this.#records.get(stored.value.capability);
    if (known !== undefined && known.revision >= stored.revision) return;
    this.#records.set(stored.value.capability, stored);
    const uses = this.#uses === undefined || this.#uses.includes(stored.value.capability);
    const unread = uses ? requiredLevels(stored.value).filter((level) => !inRange(this.#capabilities[stored.value.capability]?.reads, level)) : [];
    if (unread.length > 0 && this.#fenced === undefined) {
      this.#fence(`the fleet now requires ${stored.value.capability} ${unread.map((level) => `v${level}`).join(", ")}, which this build cannot read`);
    }
    this.#logger.info(
      { capability: stored.value.capability, level: stored.value.level, ramp: stored.value.ramp, revision: stored.revision },
      "write level changed",
    );
    try {
      this.#onWriteLevel?.(stored.value, stored.revision);
    } catch (error) {
      this.#logger.error({ err: error }, "write-level hook failed");
    }
  }

  #fence(why: string): void {
    this.#fenced = new FencedError(this.nodeId, why);
    try {
      this.#onFenced(this.#fenced);
    } catch (error) {
      this.#logger.error({ err: error }, "fenced hook failed");
    }
  }

  #deadLetter(frame: Uint8Array, error: unknown): void {
    this.#countFailure(error);
    let typed: TwostepError;
    if (isTwostepError(error)) {
      typed = error;
    } else {
      // Core promises typed errors only; anything else is a bug, logged loudly, and the frame still goes on.
      this.#logger.error({ err: error }, "decode threw an untyped error");
      typed = new CorruptFrameError(`the decoder failed unexpectedly (${String(error)})`, { cause: error });
    }
    try {
      this.#onDeadLetter({ frame, error: typed, nodeId: this.nodeId, at: this.#plane.now() });
    } catch (hookError) {
      this.#logger.error({ err: hookError }, "dead-letter hook failed");
    }
  }

  /**
   * Counts a failed frame under its type and wire version when this build
   * knows both, and under `?` otherwise: garbage naming arbitrary types or
   * versions must not grow the counters (they ride on every heartbeat).
   */
  #countFailure(error: unknown): void {
    const fields = error as { typeName?: unknown; version?: unknown; from?: unknown };
    const type = typeof fields.typeName === "string" ? this.protocol.find(fields.typeName) : undefined;
    const version = typeof fields.version === "number" ? fields.version : fields.from;
    const known = type !== undefined && typeof version === "number" && type.canRead(version);
    this.#metrics.count("failed", type?.name ?? UNKNOWN_TYPE, known ? version : "?");
  }

  async #leave(): Promise<void> {
    await this.#plane.removeAdvertisement(this.nodeId);
    await this.#plane.removeMember(this.nodeId);
  }
}
