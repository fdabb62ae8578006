import { randomUUID } from "node:crypto";
import type { AuditAction, AuditEntry } from "./audit-entry.js";
import { findBlockers, findWriterless, type Blocker } from "./blocker.js";
import type { ControlPlane, Subscription } from "./control-plane.js";
import { InvalidRequestError, RevisionConflictError, UnsafeChangeError } from "./fleet-errors.js";
import { fleetStatus, loadFleetView, type FleetStatus } from "./fleet-status.js";
import { describeRequest, proposeChange, type ChangeAuthor, type ProposedChange, type WriteLevelRequest } from "./write-level-change.js";
import { requiredLevels, type Ramp, type Versioned, type WriteLevelRecord } from "./write-level-record.js";

/** Options of a {@link Coordinator}. */
export interface CoordinatorOptions {
  /** A heartbeat older than this makes its member a blocker. Defaults to 15 s. */
  readonly staleAfterMs?: number;
  /** How long a level must be unwritten before it may be retired. Defaults to 1 h. */
  readonly drainWindowMs?: number;
  /** An intent older than this is taken as left by a crashed coordinator and may be overridden. Defaults to 30 s. */
  readonly intentTimeoutMs?: number;
}

/** Options of {@link Coordinator.enableWrite}. */
export interface EnableOptions extends ChangeAuthor {
  /** Share of writes at the new level, more than 0 and at most 100. Defaults to 100: the level itself. */
  readonly percent?: number;
  /** What the share hashes on: the message key (default) or the node id. */
  readonly by?: Ramp["by"];
}

/** What {@link Coordinator.plan} found: the record a change would lead to and who blocks it. */
export interface Plan {
  readonly capability: string;
  readonly request: string;
  readonly current: Versioned<WriteLevelRecord> | null;
  readonly next: WriteLevelRecord;
  /** Levels the change newly requires every member to read. */
  readonly newlyRequired: readonly number[];
  readonly blockers: readonly Blocker[];
  /** False when the request is already in force. */
  readonly changes: boolean;
}

/** The outcome of a change the coordinator made (or found already made). */
export interface Change {
  readonly capability: string | null;
  readonly request: string;
  readonly before: Versioned<WriteLevelRecord> | null;
  readonly after: Versioned<WriteLevelRecord> | null;
  /** False when the request was already in force and nothing was written. */
  readonly changed: boolean;
  readonly audit: AuditEntry | null;
}

/**
 * Allows a write level only when the whole fleet reads it, and records every
 * change. A change that makes a level required goes in three steps: check
 * every member; commit an intent with compare-and-set (from then on the join
 * guard of any starting node requires the level); check again, then confirm
 * or withdraw. A node booting an old build between the first check and the
 * commit is seen by the second check; one booting after the commit is
 * refused by its join guard. Two coordinators racing cannot both win: the
 * loser's compare-and-set fails with a {@link RevisionConflictError}.
 */
export class Coordinator {
  readonly #plane: ControlPlane;
  readonly #staleAfterMs: number;
  readonly #drainWindowMs: number;
  readonly #intentTimeoutMs: number;

  constructor(controlPlane: ControlPlane, options: CoordinatorOptions = {}) {
    this.#plane = controlPlane;
    this.#staleAfterMs = options.staleAfterMs ?? 15_000;
    this.#drainWindowMs = options.drainWindowMs ?? 3_600_000;
    this.#intentTimeoutMs = options.intentTimeoutMs ?? 30_000;
  }

  /** The fleet at a glance: per capability its record, readers per level and the blockers of the next level; per member what it reads. */
  async status(capability?: string): Promise<FleetStatus> {
    const view = await loadFleetView(this.#plane);
    return fleetStatus(view, { staleAfterMs: this.#staleAfterMs, ...(capability === undefined ? {} : { capability }) });
  }

  /** What enabling `level` would do and who blocks it, changing nothing. */
  async plan(capability: string, level: number, options: Partial<EnableOptions> = {}): Promise<Plan> {
    return this.preview(capability, enableRequest(level, options), { actor: options.actor ?? "plan", reason: options.reason ?? "" });
  }

  /**
   * What any request (enable, disable, retire) would do and who blocks it,
   * changing nothing: the dry run of every command. Throws like the request
   * itself would for requests that make no sense or are unsafe regardless of
   * the fleet (a retirement inside its drain window).
   */
  async preview(capability: string, request: WriteLevelRequest, author: ChangeAuthor = { actor: "preview", reason: "" }): Promise<Plan> {
    const current = await this.#plane.getLevel(capability);
    const proposal = this.#propose(capability, current, request, author);
    const blockers = await this.#blockers(capability, proposal);
    return {
      capability,
      request: describeRequest(request),
      current: current ?? null,
      next: proposal.next,
      newlyRequired: proposal.newlyRequired,
      blockers,
      changes: proposal.changes,
    };
  }

  /**
   * Sets the write level of `capability` to `level`, or with `percent` below
   * 100 ramps a share of writes to it. Throws {@link UnsafeChangeError} with
   * the blockers when some member does not read it from a live heartbeat.
   */
  async enableWrite(capability: string, level: number, options: EnableOptions): Promise<Change> {
    return this.#apply(capability, enableRequest(level, options), options);
  }

  /**
   * Rolls writers back: drops the ramp if there is one, else sets the level
   * to `to` (default: the highest lower level ever written and not retired).
   * Allowed whenever every member reads the lower level; the level left stays
   * ever-written, so its readers stay required until it is retired.
   */
  async disableWrite(capability: string, options: ChangeAuthor & { readonly to?: number }): Promise<Change> {
    return this.#apply(capability, { kind: "disable-write", ...(options.to === undefined ? {} : { to: options.to }) }, options);
  }

  /**
   * Drops the ramp of `capability`, recorded as a guard's revert: what
   * {@link RampGuard} calls when a canary fails. No-op without a ramp.
   */
  async revertRamp(capability: string, author: ChangeAuthor): Promise<Change> {
    const current = await this.#plane.getLevel(capability);
    if (current?.value.ramp == null) return unchanged(capability, "revert ramp", current);
    return this.#apply(capability, { kind: "disable-write" }, author, "guard-revert");
  }

  /**
   * Retires a level that no writer uses any more and whose drain window has
   * passed: from then on builds may drop its reader.
   */
  async retire(capability: string, level: number, options: ChangeAuthor): Promise<Change> {
    return this.#apply(capability, { kind: "retire", level }, options);
  }

  /**
   * Removes a member that is gone for good, with its advertisement. Refused
   * while its heartbeat is live: stop the node first. If it ever comes back,
   * its join guard decides whether it may.
   */
  async decommission(nodeId: string, options: ChangeAuthor): Promise<Change> {
    const [members, seen] = await Promise.all([this.#plane.listMembers(), this.#plane.getAdvertisement(nodeId)]);
    const member = members.find((candidate) => candidate.nodeId === nodeId);
    const request = `decommission ${nodeId}`;
    if (member === undefined && seen === undefined) {
      throw new InvalidRequestError(`${nodeId} is not a member of the fleet: see twostep status for the node ids`);
    }
    if (seen !== undefined && this.#plane.now() - seen.seenAt <= this.#staleAfterMs) {
      const problem =
        `${nodeId} is alive (heartbeat ${Math.round((this.#plane.now() - seen.seenAt) / 1000)} s ago): ` +
        `stop it first; a node that stops cleanly leaves by itself`;
      await this.#record("refused", null, nodeId, request, options, null, null, []);
      throw new UnsafeChangeError(null, problem);
    }
    await this.#plane.removeMember(nodeId);
    await this.#plane.removeAdvertisement(nodeId);
    const audit = await this.#record("decommission", null, nodeId, request, options, null, null, []);
    return { capability: null, request, before: null, after: null, changed: true, audit };
  }

  /** Recorded changes and refusals, oldest first. */
  async history(options: { capability?: string; limit?: number } = {}): Promise<AuditEntry[]> {
    return this.#plane.readAudit(options);
  }

  /** Calls `onEntry` with every change recorded from now on, by any coordinator. */
  async watch(onEntry: (entry: AuditEntry) => void): Promise<Subscription> {
    return this.#plane.watchAudit(onEntry);
  }

  async #apply(capability: string, request: WriteLevelRequest, author: ChangeAuthor, action: AuditAction = request.kind): Promise<Change> {
    const described = describeRequest(request);
    const current = await this.#plane.getLevel(capability);
    this.#checkNoPendingIntent(capability, current);
    let proposal: ProposedChange;
    try {
      proposal = this.#propose(capability, current, request, author);
    } catch (error) {
      if (error instanceof UnsafeChangeError) await this.#record("refused", capability, null, described, author, current, current, []);
      throw error;
    }
    if (!proposal.changes) return unchanged(capability, described, current);
    const blockers = await this.#blockers(capability, proposal);
    if (blockers.length > 0) {
      await this.#record("refused", capability, null, described, author, current, current, blockers);
      const problem = blockers.every((blocker) => blocker.reason === "no-writer")
        ? `some members could write none of ${levels(requiredLevels(proposal.next))} afterwards`
        : `not every member reads ${levels(proposal.newlyRequired)}`;
      throw new UnsafeChangeError(capability, `${described} of ${capability}: ${problem}`, blockers);
    }
    let base = current;
    if (proposal.newlyRequired.length > 0) {
      const intent = { levels: proposal.newlyRequired, at: this.#plane.now(), actor: author.actor, reason: author.reason };
      const pending: WriteLevelRecord = { ...(current?.value ?? proposal.next), intent };
      base = { value: pending, revision: await this.#plane.compareAndSetLevel(pending, current?.revision ?? 0) };
      const late = await this.#blockers(capability, proposal);
      if (late.length > 0) {
        const withdrawn: WriteLevelRecord = { ...pending, intent: null };
        const revision = await this.#plane.compareAndSetLevel(withdrawn, base.revision);
        await this.#record("revert", capability, null, described, author, base, { value: withdrawn, revision }, late);
        throw new UnsafeChangeError(
          capability,
          `${described} of ${capability} was withdrawn: a member that does not read ${levels(proposal.newlyRequired)} appeared while it was being committed`,
          late,
        );
      }
    }
    const revision = await this.#plane.compareAndSetLevel(proposal.next, base?.revision ?? 0);
    const after = { value: proposal.next, revision };
    const audit = await this.#record(action, capability, null, described, author, current, after, []);
    return { capability, request: described, before: current ?? null, after, changed: true, audit };
  }

  #propose(capability: string, current: Versioned<WriteLevelRecord> | undefined, request: WriteLevelRequest, author: ChangeAuthor): ProposedChange {
    return proposeChange(capability, current?.value, request, author, this.#plane.now(), this.#drainWindowMs);
  }

  #checkNoPendingIntent(capability: string, current: Versioned<WriteLevelRecord> | undefined): void {
    const intent = current?.value.intent;
    if (intent === null || intent === undefined) return;
    if (this.#plane.now() - intent.at > this.#intentTimeoutMs) return;
    throw new RevisionConflictError(
      `write level of ${capability} (${intent.actor} is changing it since ${new Date(intent.at).toISOString()})`,
      current?.revision ?? 0,
    );
  }

  /** Members that do not read the newly required levels, or that could write none of the required levels afterwards. */
  async #blockers(capability: string, proposal: ProposedChange): Promise<Blocker[]> {
    // Members and adverts only: the record was just read (or written) by the caller.
    const [members, seen] = await Promise.all([this.#plane.listMembers(), this.#plane.listAdvertisements()]);
    const adverts = new Map(seen.map((advert) => [advert.advertisement.nodeId, advert]));
    const readers =
      proposal.newlyRequired.length === 0
        ? []
        : findBlockers({ capability, levels: proposal.newlyRequired, members, adverts, now: this.#plane.now(), staleAfterMs: this.#staleAfterMs });
    const blocked = new Set(readers.map((blocker) => blocker.nodeId));
    const writers = findWriterless({ capability, levels: requiredLevels(proposal.next), members, adverts });
    return [...readers, ...writers.filter((blocker) => !blocked.has(blocker.nodeId))];
  }

  async #record(
    action: AuditAction,
    capability: string | null,
    nodeId: string | null,
    request: string,
    author: ChangeAuthor,
    before: Versioned<WriteLevelRecord> | undefined | null,
    after: Versioned<WriteLevelRecord> | undefined | null,
    blockers: readonly Blocker[],
  ): Promise<AuditEntry> {
    const entry: AuditEntry = {
      id: randomUUID(),
      at: this.#plane.now(),
      actor: author.actor,
      reason: author.reason,
      action,
      capability,
      nodeId,
      request,
      before: before?.value ?? null,
      after: after?.value ?? null,
      revisionBefore: before?.revision ?? 0,
      revisionAfter: after?.revision ?? 0,
      blockers,
    };
    await this.#plane.appendAudit(entry);
    return entry;
  }
}

function enableRequest(level: number, options: Partial<EnableOptions>): WriteLevelRequest {
  return {
    kind: "enable-write",
    level,
    ...(options.percent === undefined ? {} : { percent: options.percent }),
    ...(options.by === undefined ? {} : { by: options.by }),
  };
}

/** The outcome of a request that was already in force: nothing written, nothing recorded. */
function unchanged(capability: string, request: string, current: Versioned<WriteLevelRecord> | undefined): Change {
  return { capability, request, before: current ?? null, after: current ?? null, changed: false, audit: null };
}

function levels(list: readonly number[]): string {
  return list.map((level) => `v${level}`).join(", ");
}
