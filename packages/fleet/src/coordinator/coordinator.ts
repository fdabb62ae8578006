import { randomUUID } from "node:crypto";
import type { ControlPlane, Subscription } from "../control-plane/control-plane.js";
import type { EntryKey } from "../control-plane/entry-key.js";
import {
  InvalidRequestError,
  PermissionDeniedError,
  RecordUnreadableError,
  RevisionConflictError,
  StoreRegressedError,
  UnsafeChangeError,
} from "../errors/fleet-errors.js";
import type { Blocker } from "../records/blocker.js";
import { takesPart } from "../records/build-record.js";
import { type ChangeAction, type ChangeAuthor, type ChangeNote, RECORDED_BLOCKERS } from "../records/change-note.js";
import type { ChangeRequest, RequestOutcome } from "../records/change-request.js";
import type { PlaneMeta } from "../records/plane-meta.js";
import { RECORD_FORMAT_CAPABILITY, type RecordFormats } from "../records/record-formats.js";
import { type TwostepRecords, twostepRecordFormats } from "../records/twostep-records.js";
import type { WriteLevelRecord } from "../records/write-level-record.js";
import { type AuditEntry, readAuditEntries, toAuditEntries } from "./audit-entry.js";
import { DecodeCache } from "./decode-cache.js";
import { submitRequest } from "./change-requests.js";
import { decommissionPreview, memberDecommissionPlan } from "./decommission-plan.js";
import { type FleetStatus, fleetStatus, type MemberStatus } from "./fleet-status.js";
import { StatusMemo } from "./status-memo.js";
import { type FleetView, loadFleetView } from "./fleet-view.js";
import { emptyRecord, type ProposedChange, proposeChange } from "./propose-change.js";
import { reconcileRecords } from "./reconcile-records.js";
import { inBatches, NODE_IDS_AT_ONCE } from "../control-plane/in-batches.js";
import { ReadPositions } from "./read-positions.js";
import { BeatDigest } from "./regression-evidence.js";
import { Rollouts } from "./rollouts.js";
import { describeRequest, type WriteLevelRequest } from "./write-level-request.js";
import { checkAuthor } from "./check-author.js";
import { checkNoPendingIntent, checkPlane, readableLevel, writeFormat } from "./change-preconditions.js";
import { unfinishedReconcile } from "./unfinished-reconcile.js";
import type { Change, ChangeOptions, ChangeSteps, CoordinatorOptions, DecommissionPreview, Plan } from "./change-types.js";
import { actionOf, definedOnly, refusal } from "./change-wording.js";
import { judgeChange } from "./judge-change.js";
import { abandonIntent, commitIntent } from "./change-intent.js";
import { rewriteFormats } from "./rewrite-formats.js";

/**
 * Allows a write level only when every member reads it, and records every
 * change in the same write as the change. A change that newly requires
 * levels (or retires one) goes in three steps: check the fleet; commit an
 * intent with compare-and-set (from then on a starting node's join guard
 * requires the levels, and no writer falls back to a retiring one); read
 * the fleet again as of the intent, then confirm or withdraw. The control
 * plane orders registrations and intents in one log, so a node registering
 * before the intent is in the second read, and one registering after it
 * sees the intent. Two coordinators racing cannot both win: the loser's
 * compare-and-set fails with {@link RevisionConflictError}.
 */
export class Coordinator {
  readonly #plane: ControlPlane;
  readonly #marginMs: number;
  readonly #intentTimeoutMs: number;
  readonly #formats: RecordFormats<TwostepRecords>;
  readonly #clock: () => number;
  readonly #cache: DecodeCache;
  readonly #statusMemo = new StatusMemo<MemberStatus>();
  /** What heartbeats show of the views read, kept from one view to the next. */
  readonly #digest = new BeatDigest();
  /** False once this coordinator's credentials were refused a mark (see `#markShowing`). */
  #mayMark = true;
  /** The views marks were asked from already: a change judges one view several times. */
  readonly #markedFrom = new WeakSet<FleetView>();
  /** What this coordinator read of the store (identity, epoch, position, records), to judge the next read by. */
  readonly #positions = new ReadPositions();
  readonly #asController: boolean;
  readonly #requestTimeoutMs: number;
  readonly #steps: ChangeSteps;

  constructor(controlPlane: ControlPlane, options: CoordinatorOptions = {}) {
    this.#plane = controlPlane;
    this.#marginMs = options.clockMarginMs ?? 5_000;
    this.#intentTimeoutMs = options.intentTimeoutMs ?? 30_000;
    this.#formats = options.recordFormats ?? twostepRecordFormats;
    this.#clock = options.clock ?? Date.now;
    this.#cache = new DecodeCache(this.#formats);
    this.#asController = options.asController ?? false;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.#steps = { plane: controlPlane, formats: this.#formats, note: (...args) => this.#note(...args), view: (atLeast) => this.#view(atLeast) };
  }

  /** The clock margin in force, in ms. */
  get clockMarginMs(): number {
    return this.#marginMs;
  }

  /** The fleet at a glance: per capability its record, readers, blockers and convergence; per member its state. */
  async status(capability?: string): Promise<FleetStatus> {
    const view = await this.#view();
    return fleetStatus(view, this.#evidence(view), {
      ...(capability === undefined ? {} : { capability }),
      memo: this.#statusMemo,
      patch: this.#cache.memory.patchOf(view),
    });
  }

  /**
   * Asks for a change of one capability's write state: every command and
   * the rollout controller come here. With `dryRun`, says what would
   * happen. Throws {@link UnsafeChangeError} with the blockers when the
   * change is unsafe (the refusal is recorded), {@link StoreRegressedError}
   * while the store is behind what nodes saw, {@link RecordUnreadableError}
   * when the record cannot be read, {@link RevisionConflictError} when
   * another change won the race, and {@link InvalidRequestError} for a
   * request that makes no sense.
   */
  async change(capability: string, request: WriteLevelRequest, author: ChangeAuthor, options: ChangeOptions & { readonly dryRun: true }): Promise<Plan>;
  async change(capability: string, request: WriteLevelRequest, author: ChangeAuthor, options?: ChangeOptions): Promise<Change>;
  async change(capability: string, request: WriteLevelRequest, author: ChangeAuthor, options: ChangeOptions = {}): Promise<Change | Plan> {
    // A dry run records nothing, so it needs no author to speak of.
    if (options.dryRun !== true) checkAuthor(author);
    if (capability.length === 0 || capability.length > 256)
      throw new InvalidRequestError(`capability ${JSON.stringify(capability)} is not a name of 1 to 256 characters`);
    const described = describeRequest(request);
    const view = await this.#view();
    checkPlane(view, this.#evidence(view));
    const stored = readableLevel(view, capability);
    const format = writeFormat(view, capability, this.#formats.newest);
    const current = stored?.record ?? null;
    const revision = stored?.revision ?? 0;
    checkNoPendingIntent(capability, current, revision, view.now, this.#intentTimeoutMs);
    const epoch = view.meta?.value?.epoch ?? 1;
    const base = current ?? emptyRecord(capability, epoch, this.#note("intent", author, described, 0, []));
    if (request.kind === "forget" && current === null) throw new InvalidRequestError(`${capability} has no record: there is nothing to forget`);
    let proposal: ProposedChange;
    try {
      proposal =
        request.kind === "forget"
          ? { next: base, newlyRequired: [], retiring: [], changes: current !== null }
          : proposeChange(base, request, author.actor, author.reason, view.now);
    } catch (error) {
      if (!(error instanceof UnsafeChangeError)) throw error;
      if (options.dryRun === true) {
        const held = stored === undefined || current === null ? null : { value: current, revision };
        return {
          capability,
          request: described,
          current: held,
          next: current,
          newlyRequired: [],
          blockers: [],
          problems: [error.problem],
          participants: 0,
          changes: true,
          refused: true,
          at: view.now,
        };
      }
      await this.#refuse(capability, described, author, revision, [], error.problem);
      throw error;
    }
    const participants = view.members.filter(
      (member) => member.build !== null && takesPart(member.build, capability) && member.build.capabilities[capability] !== undefined,
    ).length;
    const { blockers, problems } = judgeChange(capability, request, current, stored, proposal, view, options);
    const plan: Plan = {
      capability,
      request: described,
      current: stored === undefined || current === null ? null : { value: current, revision },
      next: request.kind === "forget" ? null : proposal.next,
      newlyRequired: proposal.newlyRequired,
      blockers,
      problems,
      participants,
      changes: proposal.changes,
      refused: proposal.changes && (blockers.length > 0 || problems.length > 0),
      at: view.now,
    };
    if (options.dryRun === true) return plan;
    const at = view.now;
    if (!proposal.changes) return { capability, request: described, before: plan.current, after: plan.current, changed: false, note: null, at };
    if (this.#viaController(view)) {
      const outcome = await this.#submit(capability, request, author, options);
      const after = await this.#plane.get({ kind: "level", capability });
      const decoded = after === undefined || after.tombstone ? undefined : this.#formats.decode("level", after.value);
      return {
        capability,
        request: described,
        before: plan.current,
        after: decoded?.ok === true && after !== undefined ? { value: decoded.value, revision: after.revision } : null,
        changed: outcome.outcome === "applied",
        note: outcome.note,
        at,
      };
    }
    if (plan.refused) {
      await this.#refuse(capability, described, author, revision, blockers, problems.join("; "));
      throw new UnsafeChangeError(capability, refusal(capability, described, proposal, blockers, problems), blockers);
    }
    await this.#ensureMeta(view, author);
    const key: EntryKey = { kind: "level", capability };
    if (request.kind === "forget") {
      const note = this.#note("forget", author, described, revision, []);
      await this.#plane.append(key, this.#formats.encode("refusal", { capability, change: note }, 1), { expect: revision, tombstone: true });
      return { capability, request: described, before: plan.current, after: null, changed: true, note, at };
    }
    let expect = revision;
    if (proposal.newlyRequired.length > 0 || proposal.retiring.length > 0) {
      expect = await commitIntent(this.#steps, capability, described, author, base, revision, proposal, format, view);
    }
    const note = this.#note(actionOf(request), author, described, revision, []);
    const next: WriteLevelRecord = { ...proposal.next, epoch, change: note };
    const after = await this.#plane.append(key, this.#formats.encode("level", next, format), { expect }).catch(async (error: unknown) => {
      if (expect !== revision) await abandonIntent(this.#steps, capability, { ...base, intent: null }, described, author, expect, format, error);
      throw error;
    });
    if (capability === RECORD_FORMAT_CAPABILITY) await rewriteFormats(this.#steps, next, author);
    return { capability, request: described, before: plan.current, after: { value: next, revision: after }, changed: true, note, at };
  }

  /** Sets the write level of `capability` to `level`, or ramps a share of writes to it: {@link Coordinator.change} with `enable-write`. */
  async enableWrite(
    capability: string,
    level: number,
    options: ChangeAuthor & Omit<Extract<WriteLevelRequest, { kind: "enable-write" }>, "kind" | "level"> & ChangeOptions,
  ): Promise<Change> {
    const { actor, reason, percent, by, where, ...rest } = options;
    const request: WriteLevelRequest = { kind: "enable-write", level, ...definedOnly({ percent, by, where }) };
    return this.change(capability, request, { actor, reason }, { ...rest, dryRun: false });
  }

  /** Rolls writers back: drops the ramp if there is one, else goes back to `to` (default: the highest lower level ever written). */
  async disableWrite(capability: string, options: ChangeAuthor & { readonly to?: number }): Promise<Change> {
    const { actor, reason, to } = options;
    return this.change(capability, { kind: "disable-write", ...definedOnly({ to }) }, { actor, reason });
  }

  /** Drops the ramp of `capability`, recorded as a guard's revert (a failed canary). No-op without a ramp. */
  async revertRamp(capability: string, author: ChangeAuthor): Promise<Change> {
    return this.change(capability, { kind: "revert-ramp" }, author);
  }

  /** Retires a level no writer may still write once its drain window has passed: builds may then drop its reader. */
  async retire(capability: string, level: number, author: ChangeAuthor): Promise<Change> {
    return this.change(capability, { kind: "retire", level }, author);
  }

  /**
   * Removes incarnations of a node that are gone for good: only once their
   * lease has surely run out (the lease and the clock margin after their
   * last heartbeat), never while they are starting. The heartbeat key is
   * fenced first with compare-and-set, so a node that renews meanwhile
   * wins and stays; one that comes back later finds itself fenced.
   */
  async decommission(nodeId: string, author: ChangeAuthor & { readonly incarnation?: string }): Promise<Change> {
    checkAuthor(author);
    const request = `decommission ${nodeId}${author.incarnation === undefined ? "" : `@${author.incarnation}`}`;
    const view = await this.#view();
    checkPlane(view, this.#evidence(view));
    const planned = memberDecommissionPlan(view, nodeId, author.incarnation, this.#marginMs);
    if (this.#viaController(view)) {
      const { actor, reason, incarnation } = author;
      const asked = { kind: "decommission", nodeId, ...(incarnation === undefined ? {} : { incarnation }) };
      const outcome = await this.#submit("_", asked, { actor, reason }, {});
      return { capability: null, request, before: null, after: null, changed: outcome.outcome === "applied", note: outcome.note, at: view.now };
    }
    if (planned.refused !== null) {
      await this.#refuse(null, request, author, 0, planned.blockers, planned.refused);
      throw new UnsafeChangeError(null, planned.refused, planned.blockers);
    }
    const note = this.#note("decommission", author, request, 0, []);
    for (const target of planned.targets) {
      const departure = this.#formats.encode(
        "departure",
        { reason: "decommissioned", buildId: target.member.member?.buildId ?? null, writes: {}, change: note },
        1,
      );
      const beatKey = { nodeId: target.member.nodeId, incarnation: target.member.incarnation };
      if (target.member.beat?.tombstone !== true) {
        try {
          await this.#plane.beat(beatKey, departure, { expect: target.member.beat?.revision ?? 0, tombstone: true });
        } catch (error) {
          if (!(error instanceof RevisionConflictError)) throw error;
          const problem = `${target.member.nodeId} renewed its lease while it was being decommissioned: it is alive`;
          await this.#refuse(null, request, author, 0, [], problem);
          throw new UnsafeChangeError(null, problem);
        }
      }
      const record = { nodeId: target.member.nodeId, incarnation: target.member.incarnation, lastWrites: target.lastWrites, change: note };
      await this.#plane.append(
        { kind: "decommission", nodeId: target.member.nodeId, incarnation: target.member.incarnation },
        this.#formats.encode("decommission", record, 1),
      );
      await this.#plane.append({ kind: "member", nodeId: target.member.nodeId, incarnation: target.member.incarnation }, departure, { tombstone: true });
    }
    return { capability: null, request, before: null, after: null, changed: true, note, at: view.now };
  }

  /**
   * What decommissioning `nodeId` (or one incarnation of it) would do,
   * changing nothing: the incarnations it would remove, or why it is refused
   * (with the members whose lease may still run). Throws
   * {@link InvalidRequestError} when the node is not a member.
   */
  async previewDecommission(nodeId: string, incarnation?: string): Promise<DecommissionPreview> {
    return decommissionPreview(nodeId, memberDecommissionPlan(await this.#view(), nodeId, incarnation, this.#marginMs));
  }

  /**
   * Sets up the control plane's identity (done by the first change too).
   * Refused when nodes follow another control plane: that store was lost or
   * replaced, and `reconcile` rebuilds it.
   */
  async init(
    author: ChangeAuthor,
    options: { readonly mode?: "direct" | "controller" } = {},
  ): Promise<{ readonly planeId: string; readonly created: boolean; readonly mode: "direct" | "controller" }> {
    checkAuthor(author);
    const view = await this.#view();
    checkPlane(view, this.#evidence(view));
    const existing = view.meta?.value;
    if (existing === undefined || existing === null) {
      const meta = await this.#ensureMeta(view, author, options.mode);
      return { planeId: meta.planeId, created: true, mode: meta.mode ?? "direct" };
    }
    const mode = options.mode ?? existing.mode ?? "direct";
    if (mode !== (existing.mode ?? "direct")) {
      const note = this.#note("init", author, `mode ${mode}`, view.meta?.revision ?? 0, []);
      await this.#plane.append({ kind: "meta" }, this.#formats.encode("meta", { ...existing, mode, change: note }, 1), { expect: view.meta?.revision ?? 0 });
    }
    return { planeId: existing.planeId, created: false, mode };
  }

  /**
   * Rebuilds the records after the store went backwards (or after a record
   * was damaged): per capability, from the store, the last readable record
   * of its history and the records nodes hold, keeping every level anyone
   * wrote required; then gives the control plane a new epoch, which nodes
   * take as the new truth. Each record written is recorded as `reconcile`.
   */
  async reconcile(author: ChangeAuthor): Promise<{ readonly epoch: number; readonly records: readonly string[]; readonly evidence: readonly string[] }> {
    checkAuthor(author);
    const view = await this.#view();
    const evidence = this.#evidence(view);
    const history = await this.#plane.history();
    const result = reconcileRecords(view, history, this.#formats);
    const meta = view.meta?.value ?? null;
    // Above every epoch this coordinator read too: a store restored to before a reconcile starts again past it.
    const epoch = Math.max(result.epoch, this.#positions.nextEpoch(view));
    const planeId = result.planeId ?? meta?.planeId ?? randomUUID();
    const reason = evidence.length === 0 ? author.reason : `${author.reason}${author.reason === "" ? "" : "; "}evidence: ${evidence.slice(0, 3).join("; ")}`;
    const written: string[] = [];
    const format = Math.min(this.#formats.newest, view.levels.get(RECORD_FORMAT_CAPABILITY)?.record?.level ?? 1);
    // One change: its records and its identity record carry one id, by which a node that took its records knows its identity record.
    const id = randomUUID();
    const noteOf = (revisionBefore: number): ChangeNote => ({
      ...this.#note("reconcile", { actor: author.actor, reason }, "reconcile", revisionBefore, []),
      id,
    });
    for (const merged of result.records) {
      const stored = view.levels.get(merged.capability);
      const note = noteOf(stored?.revision ?? 0);
      const record: WriteLevelRecord = { ...merged, epoch, intent: null, change: note };
      await this.#plane.append(
        { kind: "level", capability: merged.capability },
        this.#formats.encode("level", record, merged.capability === RECORD_FORMAT_CAPABILITY ? 1 : format),
        {
          expect: stored?.revision ?? 0,
        },
      );
      written.push(merged.capability);
    }
    const note = noteOf(view.meta?.revision ?? 0);
    const nextMeta: PlaneMeta = { planeId, epoch, createdAt: meta?.createdAt ?? view.now, change: note };
    await this.#plane.append({ kind: "meta" }, this.#formats.encode("meta", nextMeta, 1), { expect: view.meta?.revision ?? 0 });
    return { epoch, records: written, evidence };
  }

  /** Recorded changes and refusals, oldest first. */
  async history(options: { readonly capability?: string; readonly limit?: number } = {}): Promise<AuditEntry[]> {
    return readAuditEntries(this.#plane, this.#formats, options);
  }

  /** The fleet as of now (or as of `atLeast`), read through this coordinator's cache of decoded records. */
  async view(atLeast = 0): Promise<FleetView> {
    return this.#view(atLeast);
  }

  /** The rollout plans of this coordinator's control plane, changed through this coordinator, on its clock and record formats. */
  rollouts(): Rollouts {
    return new Rollouts(this.#plane, this, { recordFormats: this.#formats, clock: this.#clock });
  }

  /** Calls `onEntry` with every change recorded from now on, by any coordinator. */
  async watch(onEntry: (entry: AuditEntry) => void): Promise<Subscription> {
    return this.#plane.watchHistory((entry) => {
      for (const audit of toAuditEntries([entry], this.#formats)) onEntry(audit);
    });
  }

  /** What shows that the store went backwards, in a view this coordinator read (see `regressionEvidence` and `ReadPositions`). */
  #evidence(view: FleetView): string[] {
    const evidence = this.#digest.evidence(view, this.#cache.memory.patchOf(view));
    // What this coordinator read before is said when nothing else shows it: right after a restore, before any node reports it.
    const read = this.#positions.evidence(view);
    if (evidence.length > 0 || read.length > 0) void this.#markShowing(view);
    const found = read.length === 0 || evidence.length > 0 ? evidence : [...read];
    const unfinished = unfinishedReconcile(view);
    return unfinished.length === 0 ? found : [...found, ...unfinished];
  }

  /**
   * Marks the node ids of members whose heartbeats show the store went
   * backwards and that are not marked yet (see `ControlPlane.markRegression`),
   * so that joining nodes read those heartbeats too: a node that has not
   * noticed, cut off from the store, may still write by records the store
   * lost until its lease runs out. Best effort: credentials that may not
   * mark (a requester's) or a lost connection leave it to the nodes.
   */
  async #markShowing(view: FleetView): Promise<void> {
    if (!this.#mayMark || this.#markedFrom.has(view)) return;
    this.#markedFrom.add(view);
    const showing = this.#digest.showing(view, this.#cache.memory.patchOf(view));
    try {
      const marked = new Set(await this.#plane.regressionMarks());
      // A few at a time, as joining nodes read them: after a restore, many may show it at once.
      await inBatches(
        showing.filter((nodeId) => !marked.has(nodeId)),
        NODE_IDS_AT_ONCE,
        (nodeId) => this.#plane.markRegression(nodeId),
      );
    } catch (error) {
      // Credentials that may not mark never will: stop asking. Otherwise the nodes mark themselves once they notice; this only comes sooner.
      if (error instanceof PermissionDeniedError) this.#mayMark = false;
    }
  }

  /**
   * Reads the fleet; again as of the newest revision a member reports, or
   * this coordinator read before, so that a lagging read is not taken for a
   * store that went backwards, and a store that holds less than that is.
   */
  async #view(atLeast = 0): Promise<FleetView> {
    const options = { formats: this.#formats, clockMarginMs: this.#marginMs, atLeast, cache: this.#cache };
    const view = await loadFleetView(this.#plane, options);
    const reported = this.#digest.highest(view, this.#cache.memory.patchOf(view));
    const read = this.#positions.floor(view);
    const wanted = Math.max(reported, read);
    if (wanted <= view.position) {
      this.#positions.note(view);
      return view;
    }
    const again = await loadFleetView(this.#plane, { ...options, atLeast: wanted });
    this.#positions.note(again, wanted, reported >= read ? "a member reports having applied" : "this coordinator read before");
    return again;
  }

  async #ensureMeta(view: FleetView, author: ChangeAuthor, mode?: "direct" | "controller"): Promise<PlaneMeta> {
    const existing = view.meta?.value;
    if (existing !== undefined && existing !== null) return existing;
    const meta: PlaneMeta = {
      planeId: randomUUID(),
      epoch: 1,
      createdAt: view.now,
      ...(mode === undefined ? {} : { mode }),
      change: this.#note("init", author, "init", 0, []),
    };
    try {
      await this.#plane.append({ kind: "meta" }, this.#formats.encode("meta", meta, 1), { expect: 0 });
      return meta;
    } catch (error) {
      if (!(error instanceof RevisionConflictError)) throw error;
      // Another coordinator set it up first: theirs stands.
      const stored = await this.#plane.get({ kind: "meta" });
      const decoded = stored === undefined ? undefined : this.#formats.decode("meta", stored.value);
      if (decoded?.ok !== true) throw error;
      return decoded.value;
    }
  }

  /** True when this coordinator must submit its changes to the rollout controller. */
  #viaController(view: FleetView): boolean {
    return view.meta?.value?.mode === "controller" && !this.#asController;
  }

  async #submit(capability: string, request: ChangeRequest["request"], author: ChangeAuthor, options: ChangeOptions): Promise<RequestOutcome> {
    return submitRequest(
      this.#plane,
      this.#formats,
      { capability, request, author, declared: options.declared ?? null, allowUndeclared: options.allowUndeclared ?? false, at: this.#clock() },
      { timeoutMs: this.#requestTimeoutMs, pollMs: 200 },
    );
  }

  async #refuse(
    capability: string | null,
    request: string,
    author: ChangeAuthor,
    revision: number,
    blockers: readonly Blocker[],
    problem: string,
  ): Promise<void> {
    const note = this.#note(
      "refused",
      { actor: author.actor, reason: problem === "" ? author.reason : `${author.reason}${author.reason === "" ? "" : " / "}${problem}` },
      request,
      revision,
      blockers,
    );
    // A refusal changes nothing; recording it is best effort, and never hides the refusal itself.
    await this.#plane.append({ kind: "refusal", capability }, this.#formats.encode("refusal", { capability, change: note }, 1)).catch(() => {});
  }

  #note(action: ChangeAction, author: ChangeAuthor, request: string, revisionBefore: number, blockers: readonly Blocker[]): ChangeNote {
    return {
      id: randomUUID(),
      action,
      actor: author.actor,
      reason: author.reason,
      request,
      at: this.#clock(),
      revisionBefore,
      blockers: blockers.slice(0, RECORDED_BLOCKERS),
      blockerCount: blockers.length,
    };
  }
}
