import { isTwostepError } from "@twostep/core";
import type { Logger } from "pino";
import type { ControlPlane, RegisterEntry, StoredEntry } from "../control-plane/control-plane.js";
import { FleetErrorCode } from "../errors/fleet-errors.js";
import type { HeartbeatRecord } from "../records/heartbeat-record.js";
import type { RecordFormats } from "../records/record-formats.js";
import type { TwostepRecords } from "../records/twostep-records.js";
import { decommissionedFence, type Fence } from "./node-fence.js";
import { storedBeatOwner } from "./node-heartbeat.js";
import { memberKey } from "./node-registration.js";

/** What a {@link NodeLease} needs of its node. */
export interface LeaseHolder {
  readonly nodeId: string;
  readonly incarnation: string;
  /** False once the node sends no more heartbeats (it stopped, or was fenced for good). */
  beats(): boolean;
  /** The heartbeat record numbered `beat`. */
  heartbeat(beat: number): HeartbeatRecord;
  /** What registering again appends, when the control plane lost the node's membership. */
  registration(): RegisterEntry[];
  /** Fences the node for good: it was decommissioned, or another process writes its heartbeat. */
  fenceForGood(fence: Fence): void;
  /** Called after every heartbeat, stored or not. */
  beaten(): void;
}

/** The settings of a {@link NodeLease}. */
export interface LeaseOptions {
  readonly plane: ControlPlane;
  readonly formats: RecordFormats<TwostepRecords>;
  readonly heartbeatMs: number;
  readonly leaseMs: number;
  readonly clock: () => number;
  readonly logger: Logger;
}

/**
 * A node's lease: heartbeats sent one at a time, every `heartbeatMs` or when
 * asked, each of which, once stored, lets the node write until `leaseMs`
 * after it was sent. Heartbeats are compare-and-set on the node's own key,
 * so a key changed under it is noticed: see {@link storedBeatOwner}.
 */
export class NodeLease {
  readonly #holder: LeaseHolder;
  readonly #plane: ControlPlane;
  readonly #formats: RecordFormats<TwostepRecords>;
  readonly #heartbeatMs: number;
  readonly #leaseMs: number;
  readonly #clock: () => number;
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;
  #beats = 0;
  #beatRevision = 0;
  /** The heartbeat under way, if any. */
  #beating: Promise<void> | undefined;
  /** Until when (on `#clock`) the lease lets the node write; -Infinity before the first heartbeat. */
  #until = Number.NEGATIVE_INFINITY;
  /** True once a heartbeat that says the node holds records the store lost also marked its node id, since {@link NodeLease.unmark}. */
  #marked = false;
  /** How many times {@link NodeLease.unmark} was called: a heartbeat built before the last call marks nothing for it. */
  #episode = 0;

  constructor(holder: LeaseHolder, options: LeaseOptions) {
    this.#holder = holder;
    this.#plane = options.plane;
    this.#formats = options.formats;
    this.#heartbeatMs = options.heartbeatMs;
    this.#leaseMs = options.leaseMs;
    this.#clock = options.clock;
    this.#logger = options.logger;
  }

  /** Until when (on the node's clock) the lease lets the node write; -Infinity before the first heartbeat. */
  get until(): number {
    return this.#until;
  }

  /** True once a heartbeat that says the node holds records the store lost has also marked its node id (see `#markRegression`). */
  get marked(): boolean {
    return this.#marked;
  }

  /** Forgets the marks stored so far: the node just found records the store lost, and is unmarked until a heartbeat says so. */
  unmark(): void {
    this.#marked = false;
    this.#episode++;
  }

  /** True while the lease lets the node write. */
  valid(): boolean {
    return this.#clock() <= this.#until;
  }

  /** Heartbeats every `heartbeatMs` from now on, one at a time: one slower than the interval (a leader election) is not overtaken by the next. */
  start(): void {
    this.#timer = setInterval(() => {
      if (this.#beating === undefined) void this.beat();
    }, this.#heartbeatMs);
    this.#timer.unref();
  }

  /** Stops the timer; a heartbeat under way goes on (see {@link NodeLease.beating}). */
  stop(): void {
    clearInterval(this.#timer);
  }

  /** The heartbeat under way, if any. */
  get beating(): Promise<void> | undefined {
    return this.#beating;
  }

  /** Sends one heartbeat now, after the one under way, if any. */
  async beat(): Promise<void> {
    // Checked before any await: a heartbeat asked for is under way at once, and a stop asked for next waits for it.
    while (this.#beating !== undefined) await this.#beating;
    const beating = this.send().finally(() => {
      this.#beating = undefined;
    });
    this.#beating = beating;
    await beating;
  }

  /** Sends one heartbeat (again once, after a conflict that a retry resolves), whatever else is under way. */
  async send(retried = false): Promise<void> {
    if (!this.#holder.beats()) return;
    const sentAt = this.#clock();
    const record = this.#holder.heartbeat(++this.#beats);
    const episode = this.#episode;
    try {
      this.#beatRevision = await this.#plane.beat(this.#beatKey(), this.#formats.encode("heartbeat", record, 1), { expect: this.#beatRevision });
      // A node that holds records the store lost writes on only while joining nodes are pointed at this heartbeat.
      const marked = record.regressed !== null && (await this.#markRegression());
      if (record.regressed === null || marked) this.#until = Math.max(this.#until, sentAt + this.#leaseMs);
      // Only for the records it says the node holds: a heartbeat built before they changed again does not say so.
      if (marked && episode === this.#episode) this.#marked = true;
    } catch (error) {
      if (isTwostepError(error) && error.code === FleetErrorCode.RevisionConflict && !retried) {
        if (await this.#resolveConflict(record.beat)) await this.send(true);
      } else {
        // Keep the records held and try again at the next beat; the lease decides whether writes go on.
        this.#logger.warn({ err: error }, "heartbeat failed; keeping the records held");
      }
    }
    this.#holder.beaten();
  }

  /** Ends the heartbeat with `departure` (a tombstone), if one was ever stored; best effort. */
  async end(departure: Uint8Array): Promise<void> {
    if (this.#beatRevision <= 0) return;
    await this.#plane.beat(this.#beatKey(), departure, { expect: this.#beatRevision, tombstone: true }).catch((error: unknown) => {
      // Decommissioned meanwhile, or unreachable: the member's tombstone is what counts.
      this.#logger.warn({ err: error }, "could not end the heartbeat");
    });
  }

  /**
   * The heartbeat key changed under this node: a tombstone means it was
   * decommissioned (for good); no heartbeat means it expired or the store
   * lost it (see `#startAgain`); its own newer heartbeat means an
   * acknowledgement was lost. Anything else: another process writes this
   * incarnation's key, and this one stops. True when a retry makes sense.
   */
  async #resolveConflict(sent: number): Promise<boolean> {
    const current = await this.#plane.readBeat(this.#beatKey()).catch(() => null);
    if (current === null) return false;
    if (current === undefined) return this.#startAgain();
    // One of this process's own heartbeats (this one, or one sent since): an acknowledgement was lost.
    const owner = storedBeatOwner(current, this.#formats, this.#holder.incarnation, Math.max(sent, this.#beats));
    if ("revision" in owner) {
      this.#beatRevision = owner.revision;
      return true;
    }
    this.#fenceForGood(owner.fence);
    return false;
  }

  /**
   * No heartbeat is stored: it expired while the node was cut off, or the
   * store lost it. The heartbeat's tombstone, a decommission's fence,
   * expires with it, so the log decides: a tombstone of this incarnation's
   * member key, or a decommission record of it (which compaction keeps),
   * fences the node for good. With neither, and no member either, the store
   * lost the membership, and the node registers again. While these cannot
   * be read, the node does not go on: its heartbeat revision stays, so the
   * next heartbeat conflicts and asks again. True when a retry makes sense.
   */
  async #startAgain(): Promise<boolean> {
    const { nodeId, incarnation } = this.#holder;
    const stored = await Promise.all([this.#plane.get(memberKey(this.#holder)), this.#plane.get({ kind: "decommission", nodeId, incarnation })]).catch(
      (error: unknown) => {
        this.#logger.warn({ err: error }, "heartbeat expired, and whether this node was decommissioned cannot be read; not writing until it can");
        return null;
      },
    );
    if (stored === null) return false;
    const [member, decommission] = stored;
    if (member?.tombstone === true || decommission !== undefined) {
      this.#fenceForGood(decommissionedFence(this.#decommissionedBy(member, decommission)));
      return false;
    }
    this.#beatRevision = 0;
    if (member === undefined) {
      this.#logger.error("the control plane lost this node's membership; registering again");
      await this.#plane.register(this.#holder.registration()).catch((error: unknown) => this.#logger.warn({ err: error }, "could not register again"));
    }
    return true;
  }

  /** Who decommissioned this node, as its decommission record or member tombstone says (either may be unreadable: it is fenced all the same). */
  #decommissionedBy(member: StoredEntry | undefined, decommission: StoredEntry | undefined): string | undefined {
    if (decommission !== undefined) {
      const decoded = this.#formats.decode("decommission", decommission.value);
      if (decoded.ok) return decoded.value.change.actor;
    }
    if (member?.tombstone === true) {
      const departure = this.#formats.decode("departure", member.value);
      if (departure.ok) return departure.value.change?.actor;
    }
    return undefined;
  }

  /**
   * Marks this node id as holding records the store lost (see
   * `ControlPlane.markRegression`), so that every joining node reads the
   * heartbeat just stored, which says so. Another process of the id may
   * hold such records too, and withdrawing the mark would hide its
   * heartbeat: a mark expires on its own. False when it could not be stored.
   */
  async #markRegression(): Promise<boolean> {
    try {
      await this.#plane.markRegression(this.#holder.nodeId);
      return true;
    } catch (error) {
      this.#logger.warn({ err: error }, "could not mark this node as holding records the store lost; its lease is not renewed until it can");
      return false;
    }
  }

  /** Fences the node for good and stops its heartbeats. */
  #fenceForGood(fence: Fence): void {
    this.#holder.fenceForGood(fence);
    clearInterval(this.#timer);
  }

  #beatKey(): { nodeId: string; incarnation: string } {
    return { nodeId: this.#holder.nodeId, incarnation: this.#holder.incarnation };
  }
}
