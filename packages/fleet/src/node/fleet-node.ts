import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import {
  isTwostepError,
  type MessageType,
  type Protocol,
  type ProtocolFrame,
  type ProtocolInput,
  type ProtocolShapeOf,
  type ProtocolTypeName,
  type UntypedKey,
} from "@twostep/core";
import type { Logger } from "pino";
import type { ControlPlane, RegisterEntry, Snapshot, StoredBeat, StoredEntry, Subscription } from "../control-plane/control-plane.js";
import { FencedError, FleetErrorCode, InvalidRequestError, JoinRefusedError, StoreRegressedError } from "../errors/fleet-errors.js";
import { type BuildRecord, buildIdOf } from "../records/build-record.js";
import type { DepartureRecord } from "../records/departure-record.js";
import type { HeartbeatRecord } from "../records/heartbeat-record.js";
import type { LevelRange } from "../records/level-range.js";
import type { Labels, MemberRecord } from "../records/member-record.js";
import type { RecordFormats } from "../records/record-formats.js";
import { type TwostepRecords, twostepRecordFormats } from "../records/twostep-records.js";
import type { WriteLevelRecord } from "../records/write-level-record.js";
import { defaultLogger } from "./default-logger.js";
import { inBatches, NODE_IDS_AT_ONCE } from "../control-plane/in-batches.js";
import { HeldRecords } from "./held-records.js";
import { joinProblems, recordsAtJoin } from "./join-guard.js";
import { regressionAtJoin } from "./join-regression.js";
import { type Fence, leaseFence, recordFence, STOPPED, UNMARKED } from "./node-fence.js";
import { heartbeatRecord } from "./node-heartbeat.js";
import { type LeaseHolder, NodeLease } from "./node-lease.js";
import { NodeFrames, replyLevel } from "./node-frames.js";
import { type MetricsSnapshot, NodeMetrics } from "./node-metrics.js";
import type { EncodeOptions, NodeOptions } from "./node-options.js";
import { buildRecordOf, memberKey, registration } from "./node-registration.js";
import { capabilityStatus, type NodeStatus } from "./node-status.js";
import { WriteLevels } from "./write-levels.js";

/**
 * Starts a node: registers this process as a member, runs the join guard
 * against the records as of its registration, sends its first heartbeat
 * (which starts its lease) and follows the records. Throws
 * {@link JoinRefusedError} (after leaving again) when this build cannot
 * read what the fleet requires, and {@link StoreRegressedError} when running
 * nodes report that the store went backwards (its records may require less
 * than they write) until a release manager reconciles.
 */
export async function startNode<P extends Protocol>(options: NodeOptions<P>): Promise<FleetNode<P>> {
  const node = new FleetNode<P>(options);
  await node.join();
  return node;
}

/**
 * The default clock: `performance.now` of `node:perf_hooks`, not of the
 * global, whose getter costs every frame written a call more.
 */
function monotonicNow(): number {
  return performance.now();
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
  readonly #leaseMs: number;
  /** A registration again after a reconcile (see `#registerIfLost`), under way or done: leaving waits for it. */
  #registering: Promise<void> | undefined;
  readonly #clock: () => number;
  readonly #onFenced: (error: FencedError) => void;
  readonly #onWriteLevel: ((record: WriteLevelRecord, revision: number) => void) | undefined;
  readonly #frames: NodeFrames<P>;
  readonly #logger: Logger;
  readonly #held: HeldRecords;
  readonly #levels: WriteLevels;
  readonly #metrics: NodeMetrics;
  readonly #startedAt = Date.now();
  #follow: Subscription | undefined;
  readonly #lease: NodeLease;
  #permanentFence: Fence | undefined;
  /** The first of {@link FleetNode.#recordFences}, kept apart: every frame written looks at it. */
  #recordFence: Fence | undefined;
  /** The fence of each held record that fences this node, by capability. */
  readonly #recordFences = new Map<string, Fence>();
  /** The fence last reported to `onFenced`, to report each change once. */
  #reported: string | undefined;
  /** The unreadable records last logged, to log each change once. */
  #loggedUnreadable: ReadonlySet<string> = new Set();
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
    this.#leaseMs = options.leaseMs ?? 15_000;
    if (!(this.#leaseMs < this.#plane.beatTtlMs)) {
      // A heartbeat, or the mark of a node that holds records the store lost, would expire while the node still writes by it.
      throw new InvalidRequestError(
        `node ${this.nodeId}: a lease of ${this.#leaseMs} ms is not below the control plane's heartbeat TTL of ${this.#plane.beatTtlMs} ms; ` +
          "give the node a shorter lease (leaseMs), or the control plane a longer heartbeat TTL (on NATS, the heartbeat stream's max age: see docs/nats.md)",
      );
    }
    this.#clock = options.clock ?? monotonicNow;
    this.#metrics = new NodeMetrics(this.#clock);
    this.#held = new HeldRecords(this.#formats);
    this.#logger = (options.logger ?? defaultLogger()).child({
      nodeId: this.nodeId,
      incarnation: this.incarnation,
      service: this.service,
      build: this.build,
    });
    this.#onFenced = options.onFenced ?? ((error) => this.#logger.error({ code: error.code }, error.message));
    this.#onWriteLevel = options.onWriteLevel;
    this.#frames = new NodeFrames({
      protocol: this.protocol,
      nodeId: this.nodeId,
      metrics: this.#metrics,
      observer: options.observer,
      onDeadLetter: options.onDeadLetter ?? ((letter) => this.#logger.warn({ code: letter.error.code, err: letter.error }, "dead letter")),
      logger: this.#logger,
    });
    this.#buildRecord = buildRecordOf(options.protocol, options.features, options.uses, this.#formats);
    this.#buildId = buildIdOf(this.#buildRecord);
    this.#levels = new WriteLevels(this.#buildRecord, this.labels, this.nodeId);
    const holder: LeaseHolder = {
      nodeId: this.nodeId,
      incarnation: this.incarnation,
      beats: () => !this.#stopped && this.#permanentFence === undefined,
      heartbeat: (beat) => this.#heartbeatRecord(beat),
      registration: () => this.#registration(),
      fenceForGood: (fence) => {
        this.#permanentFence = fence;
      },
      beaten: () => this.#reportFence(),
    };
    const heartbeatMs = options.heartbeatMs ?? 3_000;
    this.#lease = new NodeLease(holder, {
      plane: this.#plane,
      formats: this.#formats,
      heartbeatMs,
      leaseMs: this.#leaseMs,
      clock: this.#clock,
      logger: this.#logger,
    });
  }

  /**
   * Reads the last heartbeat stored and those of nodes marked as holding
   * records the store lost, registers, runs the join guard, starts
   * following and sends the first heartbeat. If a step fails after
   * registering, it leaves again (best effort) before rethrowing: a node
   * that never ran must not stay behind as a member whose lease others must
   * wait out.
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
    // Read before registering: what they say was applied was stored before the records the node is given.
    const [lastBeat, marks] = await Promise.all([this.#plane.lastBeat(), this.#plane.regressionMarks()]);
    // A few node ids at a time: after a restore every running node may mark its own, and a join must not flood the store.
    const marked = (await inBatches(marks, NODE_IDS_AT_ONCE, (nodeId) => this.#plane.beatsOf(nodeId))).flat();
    this.#member = member;
    try {
      // Inside the try: a register whose appends were stored but whose read failed leaves a member behind otherwise.
      const snapshot = await this.#plane.register(this.#registration());
      this.#admit(snapshot, lastBeat, marked);
      this.#follow = await this.#plane.follow(
        { onSnapshot: (next) => this.#takeSnapshot(next), onEntry: (entry) => this.#takeEntry(entry) },
        { from: snapshot.position },
      );
      await this.#lease.send();
      if (!this.#lease.valid())
        throw new FencedError(this.nodeId, "its first heartbeat was not stored", "check the connection to the control plane and start it again");
      this.#running = true;
      this.#reportFence();
      this.#lease.start();
      this.#logger.info({ capabilities: Object.keys(this.#buildRecord.capabilities).length }, "joined the fleet");
    } catch (error) {
      this.#stopped = true;
      await this.#follow?.stop().catch(() => {});
      const refused = isTwostepError(error) && (error.code === FleetErrorCode.JoinRefused || error.code === FleetErrorCode.StoreRegressed);
      const reason = refused ? "join-refused" : "left";
      await this.#leave(reason).catch((leaveError: unknown) => this.#logger.error({ err: leaveError }, "could not leave after a failed join"));
      throw error;
    }
  }

  /** The records as of registration, and the heartbeats read before it: the join guard's judgement, then what the node holds. */
  #admit(snapshot: Snapshot, lastBeat: StoredBeat | undefined, marked: readonly StoredBeat[]): void {
    const { records, unreadable } = recordsAtJoin(snapshot, this.#formats);
    const problems = joinProblems(this.#buildRecord, this.labels, records, unreadable);
    if (problems.length > 0) {
      const error = new JoinRefusedError(this.nodeId, problems);
      this.#logger.error({ code: error.code, problems }, "join refused");
      throw error;
    }
    const evidence = regressionAtJoin(lastBeat, marked, snapshot, this.#formats);
    if (evidence.length > 0) {
      const error = new StoreRegressedError(evidence, {
        refused: `node ${this.nodeId} refuses to start`,
        fix:
          "Running nodes write by newer records than the store holds, which may require levels this build cannot read. " +
          "Have a release manager run `twostep reconcile` (see the join guard in docs/fleet.md), then start this node again",
      });
      this.#logger.error({ code: error.code, evidence }, "join refused: the store went backwards");
      throw error;
    }
    this.#held.applySnapshot(snapshot);
    this.#replan(new Set(this.#held.all().map((held) => held.record.capability)), false);
  }

  /** True once the node may not write: see {@link FleetNode.fence}. */
  get fenced(): boolean {
    return this.#currentFence() !== undefined;
  }

  /** Why the node does not write now, or undefined when it does. */
  get fence(): FencedError | undefined {
    const fence = this.#currentFence();
    return fence === undefined ? undefined : this.#fencedError(fence);
  }

  #fencedError(fence: Fence): FencedError {
    return new FencedError(this.nodeId, fence.why, fence.fix);
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
      capabilities[name] = capabilityStatus(this.#levels.plan(name), this.appliedRevision(name));
    }
    return { fenced: this.#currentFence()?.why ?? null, regressed: this.#held.regressed, unreadable: this.#held.unreadable(), capabilities };
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
    // Builds nothing unless fenced, and the error apart: this runs for every frame written, and the engine inlines it only while it is small.
    const fence = this.#currentFence(now);
    if (fence !== undefined) throw this.#fencedError(fence);
    return this.#levels.select(capability, key);
  }

  /** Encodes a value of the newest shape at the level the fleet allows (see {@link FleetNode.writeLevel}); typed by name with a typed protocol. */
  encode<N extends ProtocolTypeName<P>>(type: N, value: ProtocolInput<P, N>, options?: EncodeOptions): Uint8Array;
  /** Encodes a value of a message type given as such (or by name, with an untyped protocol). */
  encode<T>(type: MessageType<T> | Exclude<UntypedKey<ProtocolShapeOf<P>>, number>, value: T, options?: EncodeOptions): Uint8Array;
  encode(type: MessageType<unknown> | string, value: unknown, options?: EncodeOptions): Uint8Array {
    const protocol: Protocol = this.protocol;
    const messageType = typeof type === "string" ? protocol.type(type) : type;
    const now = this.#clock();
    const version = this.#levelAt(messageType.name, options?.key, now);
    return this.#frames.encode(messageType, value, version, now);
  }

  /**
   * Decodes a frame. On failure the frame goes to the dead-letter hook with
   * its typed error, is counted as failed, and `undefined` is returned: a bad
   * frame never throws out of here.
   */
  decode(frame: Uint8Array): ProtocolFrame<P> | undefined {
    return this.#frames.decode(frame);
  }

  /**
   * The version to reply in to a requester that reads `requesterReads` of
   * `type` (a request says what its sender reads): the highest one it reads
   * and this node writes.
   */
  replyVersion(type: MessageType<unknown> | string, requesterReads: LevelRange): number {
    const protocol: Protocol = this.protocol;
    return replyLevel(typeof type === "string" ? protocol.type(type) : type, requesterReads);
  }

  /** Encodes a reply for a requester that reads `requesterReads` (see {@link FleetNode.replyVersion}). */
  encodeReply(type: MessageType<unknown> | string, value: unknown, requesterReads: LevelRange): Uint8Array {
    const protocol: Protocol = this.protocol;
    const messageType = typeof type === "string" ? protocol.type(type) : type;
    return this.#frames.encodeReply(messageType, value, this.replyVersion(messageType, requesterReads));
  }

  /** Frames read, written and failed per type and version since start. */
  metrics(): MetricsSnapshot {
    return this.#metrics.snapshot();
  }

  /** Sends one heartbeat now (the timer does this every `heartbeatMs`), after the one under way, if any. */
  heartbeat(): Promise<void> {
    return this.#lease.beat();
  }

  /** Leaves the fleet cleanly: stops heartbeating and following, and removes this incarnation. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#lease.stop();
    // Let the heartbeat under way finish first: its revision is the one the departure replaces.
    while (this.#lease.beating !== undefined) await this.#lease.beating;
    this.#stopped = true;
    await this.#follow?.stop();
    await this.#registering;
    await this.#leave("left");
    this.#logger.info("left the fleet");
  }

  /**
   * Registers again when the store has no member record of this incarnation,
   * or no record of its build, as after a restore of the log to a copy taken
   * before it joined: its heartbeat alone would say the store went
   * backwards for good. A removal (a decommission) is kept. Best effort; a
   * failure is logged.
   */
  async #registerIfLost(): Promise<void> {
    const gone = (): boolean => this.#stopped || this.#permanentFence !== undefined;
    if (gone()) return;
    try {
      const { nodeId, incarnation } = this;
      const [member, build, decommission] = await Promise.all([
        this.#plane.get(memberKey(this)),
        this.#plane.get({ kind: "build", buildId: this.#buildId }),
        this.#plane.get({ kind: "decommission", nodeId, incarnation }),
      ]);
      // Decommissioned: its lease finds that out and fences it for good (see `NodeLease`); it is no member again.
      if (gone() || decommission !== undefined || member?.tombstone === true || (member !== undefined && build !== undefined)) return;
      this.#logger.error("the store lost this node's registration; registering again");
      // Only where nothing is stored: a departure or a removal written meanwhile wins.
      await this.#plane.register(this.#registration().map((entry) => ({ ...entry, ifAbsent: true })));
    } catch (error) {
      this.#logger.warn({ err: error }, "could not check this node's registration after a reconcile");
    }
  }

  /** What registering (again) appends: see {@link registration}. */
  #registration(): RegisterEntry[] {
    if (this.#member === undefined) throw new Error("this node has not joined");
    return registration(this.#formats, this.#buildRecord, this.#member);
  }

  #currentFence(now: number = this.#clock()): Fence | undefined {
    if (this.#stopped) return STOPPED;
    if (this.#permanentFence !== undefined) return this.#permanentFence;
    if (now > this.#lease.until) return leaseFence(this.#leaseMs);
    if (this.#held.regressed !== null && !this.#lease.marked) return UNMARKED;
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
      this.#onFenced(this.#fencedError(fence));
    } catch (error) {
      this.#logger.error({ err: error }, "fenced hook failed");
    }
  }

  #takeSnapshot(snapshot: Snapshot): void {
    const { regressed, plane } = this.#held;
    this.#afterApply(this.#held.applySnapshot(snapshot), regressed, plane);
  }

  #takeEntry(entry: StoredEntry): void {
    const { regressed, plane } = this.#held;
    this.#afterApply(this.#held.applyEntry(entry), regressed, plane);
  }

  #afterApply(changed: Set<string>, regressedBefore: string | null, planeBefore: HeldRecords["plane"]): void {
    const regressed = this.#held.regressed;
    const plane = this.#held.plane;
    // A reconcile: the store went backwards, and may have lost this node's registration with it.
    const reconciled = planeBefore !== null && plane !== null && (plane.id !== planeBefore.id || plane.epoch > planeBefore.epoch);
    if (this.#running && reconciled) this.#registering = this.#registerIfLost();
    // Held through a reconcile too: joins judge heartbeats of the new epoch only, so one that says so goes at once.
    if (regressed !== null && (regressed !== regressedBefore || reconciled)) {
      // Nothing is written until a heartbeat says so and marks this node id, so that joining nodes read it: one goes at once.
      this.#lease.unmark();
      if (this.#running) void this.#lease.beat();
      this.#logger.error({ regressed }, "the control plane's store went backwards; keeping the newer records this node holds");
    } else if (regressed === null && regressedBefore !== null) {
      this.#logger.warn("the control plane's store caught up again");
    }
    // Mostly every record can be read, and could before: nothing to compare then.
    if (this.#held.anyUnreadable || this.#loggedUnreadable.size > 0) {
      const unreadable = new Set(this.#held.unreadable());
      for (const problem of unreadable) {
        if (!this.#loggedUnreadable.has(problem)) this.#logger.error({ problem }, "a record cannot be read; keeping what this node applied before");
      }
      for (const problem of this.#loggedUnreadable) {
        if (!unreadable.has(problem)) this.#logger.warn({ problem }, "a record that could not be read is gone or can be read again");
      }
      this.#loggedUnreadable = unreadable;
    }
    this.#replan(changed, true);
  }

  /**
   * Works out the write plans of changed capabilities, and whether the
   * records fence this node: each record is judged when it changes, so that
   * a change costs the same whatever the number of capabilities held.
   */
  #replan(changed: ReadonlySet<string>, notify: boolean): void {
    const logChanges = this.#logger.isLevelEnabled("info");
    for (const capability of changed) {
      const held = this.#held.get(capability);
      // The fence first: whatever fails after it, the node does not write what it cannot read.
      const fence = held === undefined ? undefined : recordFence(this.#buildRecord, held);
      if (fence === undefined) this.#recordFences.delete(capability);
      else this.#recordFences.set(capability, fence);
      this.#levels.replan(capability, held?.record);
      if (held === undefined) continue;
      if (logChanges) this.#logger.info({ capability, level: held.record.level, ramp: held.record.ramp, revision: held.revision }, "write level changed");
      if (!notify) continue;
      try {
        this.#onWriteLevel?.(held.record, held.revision);
      } catch (error) {
        this.#logger.error({ err: error }, "write-level hook failed");
      }
    }
    this.#recordFence = this.#recordFences.values().next().value;
    if (notify) this.#reportFence();
  }

  #heartbeatRecord(beat: number): HeartbeatRecord {
    const sender = {
      nodeId: this.nodeId,
      incarnation: this.incarnation,
      beat,
      leaseMs: this.#leaseMs,
      // What fences it besides its lease, which this very heartbeat renews.
      fenced: (this.#stopped ? STOPPED.why : undefined) ?? this.#permanentFence?.why ?? this.#recordFence?.why ?? null,
    };
    return heartbeatRecord(sender, this.#held, this.#metrics);
  }

  async #leave(reason: DepartureRecord["reason"]): Promise<void> {
    const departure = this.#formats.encode("departure", { reason, buildId: this.#buildId, writes: this.#metrics.writesAgo(), change: null }, 1);
    await this.#lease.end(departure);
    await this.#plane.append(memberKey(this), departure, { tombstone: true });
  }
}
