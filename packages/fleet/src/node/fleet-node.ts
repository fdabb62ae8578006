import { randomBytes } from "node:crypto";
import {
  CannotWriteVersionError,
  CorruptFrameError,
  isTwostepError,
  type MessageType,
  type Protocol,
  type ProtocolFrame,
  type ProtocolInput,
  type ProtocolShapeOf,
  type ProtocolTypeName,
  type TwostepError,
  type UntypedKey,
} from "@twostep/core";
import { type Logger, pino } from "pino";
import type { ControlPlane, RegisterEntry, Snapshot, StoredEntry, Subscription } from "../control-plane/control-plane.js";
import type { EntryKey } from "../control-plane/entry-key.js";
import { FencedError, FleetErrorCode, JoinRefusedError } from "../errors/fleet-errors.js";
import { type BuildRecord, buildIdOf, type CapabilitySupport, takesPart } from "../records/build-record.js";
import type { DepartureRecord } from "../records/departure-record.js";
import type { HeartbeatRecord } from "../records/heartbeat-record.js";
import { inRange, type LevelRange } from "../records/level-range.js";
import type { Labels, MemberRecord } from "../records/member-record.js";
import { RECORD_FORMAT_CAPABILITY, type RecordFormats } from "../records/record-formats.js";
import { type TwostepRecords, twostepRecordFormats } from "../records/twostep-records.js";
import { committedLevels, type WriteLevelRecord } from "../records/write-level-record.js";
import { HeldRecords } from "./held-records.js";
import { joinProblems, type UnreadableRecord } from "./join-guard.js";
import { type MetricsSnapshot, NodeMetrics, UNKNOWN_TYPE } from "./node-metrics.js";
import { type WritePlan, writePlan } from "./write-plan.js";
import { WriteShare } from "./write-share.js";

/** A frame that could not be decoded, with the typed error saying why. */
export interface DeadLetter {
  readonly frame: Uint8Array;
  readonly error: TwostepError;
  readonly nodeId: string;
  /** When, ms since the epoch (the node's wall clock). */
  readonly at: number;
}

/**
 * Told of every frame a node encodes, decodes or dead-letters, with how long
 * the work took: what a metrics library needs (`@twostep/prometheus`
 * implements it). Called on the hot path, so keep it cheap; it must not throw.
 */
export interface FrameObserver {
  /** A frame written at `version` of `type`, encoded (downgraded) in `seconds`. */
  encoded(type: string, version: number, seconds: number): void;
  /** A frame of `version` read and upgraded to the newest shape in `seconds`. */
  decoded(type: string, version: number, seconds: number): void;
  /** A frame that could not be decoded, under its type and version when known (`?` otherwise), with the error code. */
  deadLettered(type: string, version: number | "?", code: string): void;
}

/** What a node holds and does now, per capability: for status pages and metrics. */
export interface NodeStatus {
  readonly fenced: string | null;
  readonly regressed: string | null;
  readonly unreadable: readonly string[];
  readonly capabilities: Readonly<
    Record<string, { readonly applied: number; readonly level: number | null; readonly ramp: { readonly to: number; readonly percent: number } | null }>
  >;
}

/** Options of {@link startNode}. */
export interface NodeOptions<P extends Protocol = Protocol> {
  readonly controlPlane: ControlPlane;
  /** The message types this build reads and writes (a typed protocol makes `encode` and `decode` typed). */
  readonly protocol: P;
  /** Id of this node in the fleet; a restart may reuse it (each process start is its own incarnation). */
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
  /** Labels (`zone`, `region`, `tier`, ...): ramps may choose writers by them. Defaults to none. */
  readonly labels?: Labels;
  /** Heartbeat period. Defaults to 3 s; keep it well under the lease. */
  readonly heartbeatMs?: number;
  /**
   * How long after its last acknowledged heartbeat was sent the node keeps
   * writing when it cannot reach the control plane. Defaults to 15 s. A
   * release manager may decommission it only once this and the clock margin
   * have passed.
   */
  readonly leaseMs?: number;
  /** Receives every frame that cannot be decoded. Defaults to logging it at warn level. */
  readonly onDeadLetter?: (letter: DeadLetter) => void;
  /** Called each time the node stops writing (lease lost, decommissioned, a required level it cannot read). Defaults to logging at error level. */
  readonly onFenced?: (error: FencedError) => void;
  /**
   * Called each time the node applies a newer write-level record, with the
   * record and its revision. Records read when joining are not reported.
   * Runs on the delivery path, so keep it quick; an exception is logged and
   * changes nothing. Defaults to none.
   */
  readonly onWriteLevel?: (record: WriteLevelRecord, revision: number) => void;
  /** Structured logger. Defaults to pino on stderr at the level of `TWOSTEP_LOG_LEVEL` (else `warn`). */
  readonly logger?: Logger;
  /** A monotonic clock in ms, for the lease and "last written" times. Defaults to `performance.now`; tests pass a fake one. */
  readonly clock?: () => number;
  /** The formats of twostep's own records this build knows. Defaults to this twostep's; tests of twostep upgrades pass others. */
  readonly recordFormats?: RecordFormats<TwostepRecords>;
  /** Told of every frame encoded, decoded and dead-lettered, with timings (metrics). Defaults to none, which costs nothing. */
  readonly observer?: FrameObserver;
}

/** Options of {@link FleetNode.encode}. */
export interface EncodeOptions {
  /** The message key (an order id, a customer id): ramps hash it so one entity never flips between versions. */
  readonly key?: string;
}

/** Why a node does not write, in words, and whether only a restart ends it. */
interface Fence {
  readonly why: string;
  readonly fix: string;
  readonly permanent: boolean;
}

/**
 * Starts a node: registers this process as a member, runs the join guard
 * against the records as of its registration, sends its first heartbeat
 * (which starts its lease) and follows the records. Throws
 * {@link JoinRefusedError} (after leaving again) when this build cannot
 * read what the fleet requires.
 */
export async function startNode<P extends Protocol>(options: NodeOptions<P>): Promise<FleetNode<P>> {
  const node = new FleetNode<P>(options);
  await node.join();
  return node;
}

/**
 * A running node: encodes each type at the level the fleet allows it, reads
 * every level it knows, follows record changes as they happen, and renews
 * its lease with a heartbeat that says what it applied and wrote. It stops
 * writing (is fenced) while its lease has run out, once it was
 * decommissioned, and while the fleet requires a level it cannot read.
 */
export class FleetNode<P extends Protocol = Protocol> {
  readonly nodeId: string;
  /** This process start: unique, so that two processes with one node id are told apart. */
  readonly incarnation: string;
  readonly service: string;
  readonly build: string;
  readonly protocol: P;
  readonly labels: Labels;
  readonly #plane: ControlPlane;
  readonly #formats: RecordFormats<TwostepRecords>;
  readonly #buildRecord: BuildRecord;
  readonly #buildId: string;
  readonly #heartbeatMs: number;
  readonly #leaseMs: number;
  readonly #clock: () => number;
  readonly #onDeadLetter: (letter: DeadLetter) => void;
  readonly #onFenced: (error: FencedError) => void;
  readonly #onWriteLevel: ((record: WriteLevelRecord, revision: number) => void) | undefined;
  readonly #observer: FrameObserver | undefined;
  readonly #logger: Logger;
  readonly #held: HeldRecords;
  readonly #plans = new Map<string, WritePlan>();
  readonly #metrics: NodeMetrics;
  readonly #share = new WriteShare();
  readonly #startedAt = Date.now();
  #follow: Subscription | undefined;
  #timer: NodeJS.Timeout | undefined;
  #beats = 0;
  #beatRevision = 0;
  /** The heartbeat under way, if any. */
  #beating: Promise<void> | undefined;
  /** Until when (on `#clock`) the lease lets this node write; -Infinity before the first heartbeat. */
  #leaseUntil = Number.NEGATIVE_INFINITY;
  #permanentFence: Fence | undefined;
  #recordFence: Fence | undefined;
  /** The fence last reported to `onFenced`, to report each change once. */
  #reported: string | undefined;
  /** This incarnation's member record, once it joined. */
  #member: MemberRecord | undefined;
  /** True once the first heartbeat was stored: fences are reported from then on. */
  #running = false;
  #stopped = false;

  /** Use {@link startNode}; a node built directly has not joined. */
  constructor(options: NodeOptions<P>) {
    this.nodeId = options.nodeId;
    this.incarnation = randomBytes(8).toString("hex");
    this.service = options.service;
    this.build = options.build;
    this.protocol = options.protocol;
    this.labels = { ...options.labels };
    this.#plane = options.controlPlane;
    this.#formats = options.recordFormats ?? twostepRecordFormats;
    this.#heartbeatMs = options.heartbeatMs ?? 3_000;
    this.#leaseMs = options.leaseMs ?? 15_000;
    this.#clock = options.clock ?? (() => performance.now());
    this.#metrics = new NodeMetrics(this.#clock);
    this.#held = new HeldRecords(this.#formats);
    this.#logger = (options.logger ?? pino({ name: "twostep", level: process.env["TWOSTEP_LOG_LEVEL"] ?? "warn" }, pino.destination(2))).child({
      nodeId: this.nodeId,
      incarnation: this.incarnation,
      service: this.service,
      build: this.build,
    });
    this.#onDeadLetter = options.onDeadLetter ?? ((letter) => this.#logger.warn({ code: letter.error.code, err: letter.error }, "dead letter"));
    this.#onFenced = options.onFenced ?? ((error) => this.#logger.error({ code: error.code }, error.message));
    this.#onWriteLevel = options.onWriteLevel;
    this.#observer = options.observer;
    const capabilities: Record<string, CapabilitySupport> = { ...options.features };
    for (const type of options.protocol.types) capabilities[type.name] = { reads: type.reads, writes: type.writes };
    capabilities[RECORD_FORMAT_CAPABILITY] = { reads: { min: 1, max: this.#formats.newest } };
    this.#buildRecord = { capabilities, uses: options.uses === undefined ? null : [...options.uses] };
    this.#buildId = buildIdOf(this.#buildRecord);
  }

  /**
   * Registers, runs the join guard, starts following and sends the first
   * heartbeat. If a step fails after registering, it leaves again (best
   * effort) before rethrowing: a node that never ran must not stay behind as
   * a member whose lease others must wait out.
   */
  async join(): Promise<void> {
    if (this.#member !== undefined) throw new Error("this node has joined already");
    const member: MemberRecord = {
      nodeId: this.nodeId,
      incarnation: this.incarnation,
      service: this.service,
      build: this.build,
      buildId: this.#buildId,
      labels: this.labels,
      startedAt: this.#startedAt,
      leaseMs: this.#leaseMs,
    };
    this.#member = member;
    try {
      // Inside the try: a register whose appends were stored but whose read failed leaves a member behind otherwise.
      const snapshot = await this.#plane.register(this.#registration());
      this.#admit(snapshot);
      this.#follow = await this.#plane.follow(
        { onSnapshot: (next) => this.#takeSnapshot(next), onEntry: (entry) => this.#takeEntry(entry) },
        { from: snapshot.position },
      );
      await this.#heartbeat();
      if (!this.#leaseValid())
        throw new FencedError(this.nodeId, "its first heartbeat was not stored", "check the connection to the control plane and start it again");
      this.#running = true;
      this.#reportFence();
      this.#timer = setInterval(() => {
        // One heartbeat at a time: one slower than the interval (a leader election) is not overtaken by the next.
        if (this.#beating === undefined) void this.heartbeat();
      }, this.#heartbeatMs);
      this.#timer.unref();
      this.#logger.info({ capabilities: Object.keys(this.#buildRecord.capabilities).length }, "joined the fleet");
    } catch (error) {
      this.#stopped = true;
      await this.#follow?.stop().catch(() => {});
      const reason = isTwostepError(error) && error.code === FleetErrorCode.JoinRefused ? "join-refused" : "left";
      await this.#leave(reason).catch((leaveError: unknown) => this.#logger.error({ err: leaveError }, "could not leave after a failed join"));
      throw error;
    }
  }

  /** The records as of registration: the join guard's judgement, then what the node holds. */
  #admit(snapshot: Snapshot): void {
    const records: WriteLevelRecord[] = [];
    const unreadable: UnreadableRecord[] = [];
    for (const entry of snapshot.entries) {
      if (entry.tombstone) continue;
      if (entry.key.kind === "meta") {
        const decoded = this.#formats.decode("meta", entry.value);
        if (!decoded.ok) unreadable.push({ capability: null, problem: decoded.problem, newer: decoded.newer });
      } else if (entry.key.kind === "level") {
        const decoded = this.#formats.decode("level", entry.value);
        if (decoded.ok && decoded.value.capability === entry.key.capability) records.push(decoded.value);
        else
          unreadable.push({
            capability: entry.key.capability,
            problem: decoded.ok ? "it names another capability" : decoded.problem,
            newer: !decoded.ok && decoded.newer,
          });
      }
    }
    const problems = joinProblems(this.#buildRecord, this.labels, records, unreadable);
    if (problems.length > 0) {
      const error = new JoinRefusedError(this.nodeId, problems);
      this.#logger.error({ code: error.code, problems }, "join refused");
      throw error;
    }
    this.#held.applySnapshot(snapshot);
    this.#replan(new Set(this.#held.all().map((held) => held.record.capability)), false);
  }

  /** True once the node may not write: see {@link FleetNode.fence}. */
  get fenced(): boolean {
    return this.fence !== undefined;
  }

  /** Why the node does not write now, or undefined when it does. */
  get fence(): FencedError | undefined {
    const fence = this.#currentFence();
    return fence === undefined ? undefined : new FencedError(this.nodeId, fence.why, fence.fix);
  }

  /** The write-level record this node follows for `capability`, if any. */
  record(capability: string): WriteLevelRecord | undefined {
    return this.#held.get(capability)?.record;
  }

  /** The revision of the record this node writes `capability` by (0: none). */
  appliedRevision(capability: string): number {
    return this.#held.get(capability)?.revision ?? 0;
  }

  /** Why the node thinks the control plane's store went backwards, or null. */
  get regressed(): string | null {
    return this.#held.regressed;
  }

  /** What this node holds and writes now, per capability it writes or follows. */
  status(): NodeStatus {
    const capabilities: Record<string, NodeStatus["capabilities"][string]> = {};
    for (const name of Object.keys(this.#buildRecord.capabilities)) {
      const plan = this.#plans.get(name);
      capabilities[name] = {
        applied: this.appliedRevision(name),
        level: plan?.base ?? null,
        ramp: plan?.ramp === null || plan?.ramp === undefined ? null : { to: plan.ramp.to, percent: plan.ramp.percent },
      };
    }
    return { fenced: this.fence?.why ?? null, regressed: this.#held.regressed, unreadable: this.#held.unreadable(), capabilities };
  }

  /**
   * The level this node writes `capability` at for this write: the fleet's
   * level, or the ramp target for the ramp's share (by key, by node, or
   * spread over the stream when no key is given). A level this build cannot
   * write falls back to the nearest lower level every member reads; a level
   * still being enabled (an intent) is never used; with no write level, and
   * while fenced, nothing is written. The level counts as written now (the
   * heartbeat reports it, and a retirement of it waits for the drain window
   * from here). Throws {@link CannotWriteVersionError} or {@link FencedError}.
   */
  writeLevel(capability: string, options: EncodeOptions = {}): number {
    const now = this.#clock();
    const level = this.#levelAt(capability, options.key, now);
    // Whatever the caller does with it, this level counts as written now: a retirement waits for it.
    this.#metrics.wrote(capability, level, now);
    return level;
  }

  /** The level to write `capability` at, at `now` on the node's clock; throws when the node is fenced or cannot write it. */
  #levelAt(capability: string, key: string | undefined, now: number): number {
    // The fields #currentFence reads, read here without building a fence: this runs for every frame written.
    if (this.#stopped || this.#permanentFence !== undefined || this.#recordFence !== undefined || now > this.#leaseUntil) {
      const fence = this.fence;
      if (fence !== undefined) throw fence;
    }
    const plan = this.#plans.get(capability);
    if (plan === undefined || plan.base === null) {
      const writes = this.#buildRecord.capabilities[capability]?.writes;
      const closed = plan ?? writePlan(capability, undefined, writes, this.labels);
      throw new CannotWriteVersionError(capability, null, writes ?? { min: 0, max: 0 }, closed.closed ?? undefined);
    }
    const ramp = plan.ramp;
    if (ramp === null) return plan.base;
    return this.#share.select(capability, ramp.percent, ramp.by === "node" ? `node:${this.nodeId}` : key) ? ramp.to : plan.base;
  }

  /** Encodes a value of the newest shape at the level the fleet allows (see {@link FleetNode.writeLevel}); typed by name with a typed protocol. */
  encode<N extends ProtocolTypeName<P>>(type: N, value: ProtocolInput<P, N>, options?: EncodeOptions): Uint8Array;
  /** Encodes a value of a message type given as such (or by name, with an untyped protocol). */
  encode<T>(type: MessageType<T> | Exclude<UntypedKey<ProtocolShapeOf<P>>, number>, value: T, options?: EncodeOptions): Uint8Array;
  encode(type: MessageType<unknown> | string, value: unknown, options: EncodeOptions = {}): Uint8Array {
    const protocol: Protocol = this.protocol;
    const messageType = typeof type === "string" ? protocol.type(type) : type;
    const now = this.#clock();
    const version = this.#levelAt(messageType.name, options.key, now);
    const observer = this.#observer;
    if (observer === undefined) {
      const counts = this.#metrics.level(messageType.name, version);
      // The level counts as written once handed out, even when the value then fails to encode: a retirement waits for it.
      counts.lastWrite = now;
      const frame = messageType.encode(value, version);
      counts.written++;
      return frame;
    }
    this.#metrics.wrote(messageType.name, version, now);
    const started = process.hrtime.bigint();
    const frame = messageType.encode(value, version);
    observer.encoded(messageType.name, version, Number(process.hrtime.bigint() - started) / 1e9);
    this.#metrics.count("written", messageType.name, version);
    return frame;
  }

  /**
   * Decodes a frame. On failure the frame goes to the dead-letter hook with
   * its typed error, is counted as failed, and `undefined` is returned: a bad
   * frame never throws out of here.
   */
  decode(frame: Uint8Array): ProtocolFrame<P> | undefined {
    const observer = this.#observer;
    const started = observer === undefined ? 0n : process.hrtime.bigint();
    try {
      const protocol: Protocol = this.protocol;
      const decoded = protocol.decode(frame);
      if (observer !== undefined) observer.decoded(decoded.name, decoded.version, Number(process.hrtime.bigint() - started) / 1e9);
      this.#metrics.read(decoded.name, decoded.version);
      return decoded as ProtocolFrame<P>;
    } catch (error) {
      this.#deadLetter(frame, error);
      return undefined;
    }
  }

  /**
   * The version to reply in to a requester that reads `requesterReads` of
   * `type` (a request says what its sender reads): the highest one it reads
   * and this node writes.
   */
  replyVersion(type: MessageType<unknown> | string, requesterReads: LevelRange): number {
    const protocol: Protocol = this.protocol;
    const messageType = typeof type === "string" ? protocol.type(type) : type;
    const top = Math.min(requesterReads.max, messageType.writes.max);
    if (top < Math.max(requesterReads.min, messageType.writes.min)) {
      throw new CannotWriteVersionError(messageType.name, requesterReads.max, messageType.writes);
    }
    return top;
  }

  /** Encodes a reply for a requester that reads `requesterReads` (see {@link FleetNode.replyVersion}). */
  encodeReply(type: MessageType<unknown> | string, value: unknown, requesterReads: LevelRange): Uint8Array {
    const protocol: Protocol = this.protocol;
    const messageType = typeof type === "string" ? protocol.type(type) : type;
    const version = this.replyVersion(messageType, requesterReads);
    const frame = messageType.encode(value, version);
    this.#metrics.count("written", messageType.name, version);
    return frame;
  }

  /** Frames read, written and failed per type and version since start. */
  metrics(): MetricsSnapshot {
    return this.#metrics.snapshot();
  }

  /** Sends one heartbeat now (the timer does this every `heartbeatMs`), after the one under way, if any. */
  async heartbeat(): Promise<void> {
    while (this.#beating !== undefined) await this.#beating;
    const beating = this.#heartbeat().finally(() => {
      this.#beating = undefined;
    });
    this.#beating = beating;
    await beating;
  }

  /** Leaves the fleet cleanly: stops heartbeating and following, and removes this incarnation. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    clearInterval(this.#timer);
    // Let the heartbeat under way finish first: its revision is the one the departure replaces.
    while (this.#beating !== undefined) await this.#beating;
    this.#stopped = true;
    await this.#follow?.stop();
    await this.#leave("left");
    this.#logger.info("left the fleet");
  }

  /** What registering (again) appends: the build record, once per build, and this incarnation's member record. */
  #registration(): RegisterEntry[] {
    if (this.#member === undefined) throw new Error("this node has not joined");
    return [
      { key: { kind: "build", buildId: this.#buildId }, value: this.#formats.encode("build", this.#buildRecord, 1), ifAbsent: true },
      { key: this.#memberKey(), value: this.#formats.encode("member", this.#member, 1) },
    ];
  }

  #memberKey(): EntryKey {
    return { kind: "member", nodeId: this.nodeId, incarnation: this.incarnation };
  }

  #leaseValid(): boolean {
    return this.#clock() <= this.#leaseUntil;
  }

  #currentFence(): Fence | undefined {
    if (this.#stopped) return { why: "it has stopped", fix: "start a new node", permanent: true };
    if (this.#permanentFence !== undefined) return this.#permanentFence;
    if (!this.#leaseValid()) {
      return {
        why: `its lease ran out (no heartbeat acknowledged for ${Math.round(this.#leaseMs / 1000)} s)`,
        fix: "it writes again once a heartbeat reaches the control plane",
        permanent: false,
      };
    }
    return this.#recordFence;
  }

  /** Tells `onFenced` (once per fence) when the node stops writing, and logs when it writes again. */
  #reportFence(): void {
    if (!this.#running) return;
    const fence = this.#currentFence();
    const label = fence?.why;
    if (label === this.#reported) return;
    this.#reported = label;
    if (fence === undefined) {
      this.#logger.warn("writing again");
      return;
    }
    try {
      this.#onFenced(new FencedError(this.nodeId, fence.why, fence.fix));
    } catch (error) {
      this.#logger.error({ err: error }, "fenced hook failed");
    }
  }

  #takeSnapshot(snapshot: Snapshot): void {
    const before = this.#held.regressed;
    this.#afterApply(this.#held.applySnapshot(snapshot), before);
  }

  #takeEntry(entry: StoredEntry): void {
    const before = this.#held.regressed;
    this.#afterApply(this.#held.applyEntry(entry), before);
  }

  #afterApply(changed: Set<string>, regressedBefore: string | null): void {
    const regressed = this.#held.regressed;
    if (regressed !== null && regressed !== regressedBefore) {
      this.#logger.error({ regressed }, "the control plane's store went backwards; keeping the newer records this node holds");
    } else if (regressed === null && regressedBefore !== null) {
      this.#logger.warn("the control plane's store caught up again");
    }
    for (const problem of this.#held.unreadable()) this.#logger.error({ problem }, "a record cannot be read; keeping what this node applied before");
    this.#replan(changed, true);
  }

  /** Works out the write plans of changed capabilities, and whether the records fence this node. */
  #replan(changed: ReadonlySet<string>, notify: boolean): void {
    for (const capability of changed) {
      const held = this.#held.get(capability);
      this.#plans.set(capability, writePlan(capability, held?.record, this.#buildRecord.capabilities[capability]?.writes, this.labels));
      if (held === undefined) continue;
      this.#logger.info({ capability, level: held.record.level, ramp: held.record.ramp, revision: held.revision }, "write level changed");
      if (!notify) continue;
      try {
        this.#onWriteLevel?.(held.record, held.revision);
      } catch (error) {
        this.#logger.error({ err: error }, "write-level hook failed");
      }
    }
    this.#recordFence = this.#fenceByRecords();
    if (notify) this.#reportFence();
  }

  /** A committed required level this build cannot read fences it (an intent does not: it may be withdrawn). */
  #fenceByRecords(): Fence | undefined {
    for (const { record } of this.#held.all()) {
      if (!takesPart(this.#buildRecord, record.capability)) continue;
      const reads = this.#buildRecord.capabilities[record.capability]?.reads;
      const unread = committedLevels(record).filter((level) => !inRange(reads, level));
      if (unread.length > 0) {
        return {
          why: `the fleet requires ${record.capability} ${unread.map((level) => `v${level}`).join(", ")}, which this build cannot read`,
          fix: "restart it on a build that reads what the fleet writes",
          permanent: false,
        };
      }
    }
    return undefined;
  }

  #heartbeatRecord(): HeartbeatRecord {
    const applied: Record<string, number> = {};
    const held: Record<string, string> = {};
    const regressed = this.#held.regressed;
    for (const record of this.#held.all()) {
      applied[record.record.capability] = record.revision;
      if (regressed !== null) held[record.record.capability] = new TextDecoder().decode(record.stored);
    }
    return {
      nodeId: this.nodeId,
      incarnation: this.incarnation,
      beat: ++this.#beats,
      leaseMs: this.#leaseMs,
      plane: this.#held.plane,
      applied,
      writes: this.#metrics.writesAgo(),
      frames: this.#metrics.snapshot(),
      // What fences it besides its lease, which this very heartbeat renews.
      fenced: (this.#stopped ? "it has stopped" : undefined) ?? this.#permanentFence?.why ?? this.#recordFence?.why ?? null,
      regressed,
      unreadable: this.#held.unreadable(),
      held,
    };
  }

  async #heartbeat(retried = false): Promise<void> {
    if (this.#stopped || this.#permanentFence !== undefined) return;
    const sentAt = this.#clock();
    const record = this.#heartbeatRecord();
    try {
      this.#beatRevision = await this.#plane.beat(this.#beatKey(), this.#formats.encode("heartbeat", record, 1), { expect: this.#beatRevision });
      this.#leaseUntil = Math.max(this.#leaseUntil, sentAt + this.#leaseMs);
    } catch (error) {
      if (isTwostepError(error) && error.code === FleetErrorCode.RevisionConflict && !retried) {
        if (await this.#resolveBeatConflict(record.beat)) await this.#heartbeat(true);
      } else {
        // Keep the records held and try again at the next beat; the lease decides whether writes go on.
        this.#logger.warn({ err: error }, "heartbeat failed; keeping the records held");
      }
    }
    this.#reportFence();
  }

  /**
   * The heartbeat key changed under this node: a tombstone means it was
   * decommissioned (for good); no heartbeat means it expired or the store
   * lost it (start again from none); its own newer heartbeat means an
   * acknowledgement was lost. Anything else: another process writes this
   * incarnation's key, and this one stops. True when a retry makes sense.
   */
  async #resolveBeatConflict(sent: number): Promise<boolean> {
    const current = await this.#plane.readBeat(this.#beatKey()).catch(() => null);
    if (current === null) return false;
    if (current === undefined) {
      // Expired while cut off, or the store lost it; if the store lost this member too, register again.
      this.#beatRevision = 0;
      const member = await this.#plane.get(this.#memberKey()).catch(() => null);
      if (member === undefined) {
        this.#logger.error("the control plane lost this node's membership; registering again");
        await this.#plane.register(this.#registration()).catch((error: unknown) => this.#logger.warn({ err: error }, "could not register again"));
      }
      return true;
    }
    if (current.tombstone) {
      const departure = this.#formats.decode("departure", current.value);
      const who = departure.ok && departure.value.change !== null ? ` by ${departure.value.change.actor}` : "";
      this.#permanentFence = { why: `it was decommissioned${who}`, fix: "start it again: a new process joins as a new member", permanent: true };
      clearInterval(this.#timer);
      return false;
    }
    const decoded = this.#formats.decode("heartbeat", current.value);
    // One of this process's own heartbeats (this one, or one sent since): an acknowledgement was lost.
    if (decoded.ok && decoded.value.incarnation === this.incarnation && decoded.value.beat <= Math.max(sent, this.#beats)) {
      this.#beatRevision = current.revision;
      return true;
    }
    this.#permanentFence = { why: "another process writes this incarnation's heartbeat", fix: "give every process its own node", permanent: true };
    clearInterval(this.#timer);
    return false;
  }

  #beatKey(): { nodeId: string; incarnation: string } {
    return { nodeId: this.nodeId, incarnation: this.incarnation };
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
      this.#onDeadLetter({ frame, error: typed, nodeId: this.nodeId, at: Date.now() });
    } catch (hookError) {
      this.#logger.error({ err: hookError }, "dead-letter hook failed");
    }
  }

  /**
   * Counts a failed frame under its type and wire version when this build
   * knows the type, including versions it cannot read (up to 64 above what
   * it reads), which is where a ramp's gate looks; under `?` otherwise, so
   * that garbage naming arbitrary types or versions does not grow the counters.
   */
  #countFailure(error: unknown): void {
    const fields = error as { typeName?: unknown; version?: unknown; from?: unknown; code?: unknown };
    const type = typeof fields.typeName === "string" ? this.protocol.find(fields.typeName) : undefined;
    const version = typeof fields.version === "number" ? fields.version : fields.from;
    const plausible = type !== undefined && typeof version === "number" && Number.isInteger(version) && version >= 0 && version <= type.reads.max + 64;
    const name = type?.name ?? UNKNOWN_TYPE;
    const level = plausible ? version : "?";
    this.#metrics.count("failed", name, level);
    this.#observer?.deadLettered(name, level, typeof fields.code === "string" ? fields.code : "UNKNOWN");
  }

  async #leave(reason: DepartureRecord["reason"]): Promise<void> {
    const departure = this.#formats.encode("departure", { reason, buildId: this.#buildId, writes: this.#metrics.writesAgo(), change: null }, 1);
    if (this.#beatRevision > 0) {
      await this.#plane.beat(this.#beatKey(), departure, { expect: this.#beatRevision, tombstone: true }).catch((error: unknown) => {
        // Decommissioned meanwhile, or unreachable: the member's tombstone below is what counts.
        this.#logger.warn({ err: error }, "could not end the heartbeat");
      });
    }
    await this.#plane.append(this.#memberKey(), departure, { tombstone: true });
  }
}
