import { randomUUID } from "node:crypto";
import type { ControlPlane, Snapshot } from "../control-plane/control-plane.js";
import type { EntryKey } from "../control-plane/entry-key.js";
import { InvalidRequestError, RecordUnreadableError, RevisionConflictError, UnsafeChangeError } from "../errors/fleet-errors.js";
import type { Blocker } from "../records/blocker.js";
import { type ChangeAction, type ChangeAuthor, type ChangeNote, RECORDED_BLOCKERS } from "../records/change-note.js";
import type { ControllerLease } from "../records/controller-lease.js";
import type { RecordFormats } from "../records/record-formats.js";
import type { RolloutRecord, RolloutState } from "../records/rollout-record.js";
import { type TwostepRecords, twostepRecordFormats } from "../records/twostep-records.js";
import type { WriteLevelRecord } from "../records/write-level-record.js";
import type { Plan } from "./change-types.js";
import type { Coordinator } from "./coordinator.js";
import { describeStep, type RolloutPlan, stepRequest } from "./rollout-plan.js";
import type { WriteLevelRequest } from "./write-level-request.js";

/** A rollout record with the revision it was read at. */
export interface StoredRollout {
  readonly rollout: RolloutRecord;
  readonly revision: number;
}

/** What starting a plan would do (see {@link Rollouts.planStart}). */
export interface RolloutStartPlan {
  /** The record the start would write, every default filled in. */
  readonly rollout: RolloutRecord;
  /** The capability's rollout now (an earlier one, or one under way), if any. */
  readonly current: StoredRollout | undefined;
  /** The coordinator's dry run of the first step. */
  readonly firstStep: Plan;
  /** Why the start would be refused besides the first step's blockers and problems (a rollout under way), in words. */
  readonly problems: readonly string[];
}

/** Options of the changes of {@link Rollouts}. */
export interface RolloutChangeOptions {
  /** Check everything and return the record the change would write, writing nothing (nor reverting writers). */
  readonly dryRun?: boolean;
}

/** Options of {@link Rollouts}. */
export interface RolloutsOptions {
  readonly recordFormats?: RecordFormats<TwostepRecords>;
  /** The clock of the times recorded, ms since the epoch. Defaults to `Date.now`. */
  readonly clock?: () => number;
}

const ACTIVE: ReadonlySet<RolloutState> = new Set(["running", "holding", "paused"]);

/**
 * What a release manager does with rollout plans: start one, see where it
 * stands, pause, resume, promote, abort, retry. Each is one compare-and-set
 * of the plan's record, recorded with actor and reason; the controller does
 * the rest (see {@link RolloutController}). Every write-level change still
 * goes through the coordinator's checks.
 */
export class Rollouts {
  readonly #plane: ControlPlane;
  readonly #coordinator: Coordinator;
  readonly #formats: RecordFormats<TwostepRecords>;
  readonly #clock: () => number;

  constructor(controlPlane: ControlPlane, coordinator: Coordinator, options: RolloutsOptions = {}) {
    this.#plane = controlPlane;
    this.#coordinator = coordinator;
    this.#formats = options.recordFormats ?? twostepRecordFormats;
    this.#clock = options.clock ?? Date.now;
  }

  /**
   * Starts `plan` on `capability`. Refused while another plan of it is under
   * way, and when the coordinator would refuse its first step now (the
   * blockers are given): a plan never starts on a fleet that cannot take it.
   */
  async start(capability: string, plan: RolloutPlan, author: ChangeAuthor): Promise<StoredRollout> {
    const planned = await this.planStart(capability, plan, author);
    const [underWay] = planned.problems;
    if (underWay !== undefined) throw new InvalidRequestError(underWay);
    const { firstStep } = planned;
    if (firstStep.refused) {
      const problem = `the first step of the plan would be refused: ${firstStep.problems.join("; ") || "some members block it"}`;
      await this.#refuse(planned.rollout, author, problem, firstStep.blockers, firstStep.current?.revision ?? 0);
      throw new UnsafeChangeError(capability, problem, firstStep.blockers);
    }
    return this.write(planned.rollout, planned.current?.revision ?? 0);
  }

  /**
   * What {@link Rollouts.start} would do, changing nothing: the record it
   * would write, the coordinator's dry run of the first step, and whether a
   * rollout under way stands in its way.
   */
  async planStart(capability: string, plan: RolloutPlan, author: ChangeAuthor): Promise<RolloutStartPlan> {
    const first = plan.steps[0];
    if (first === undefined) throw new InvalidRequestError("the rollout plan has no step");
    const current = await this.get(capability);
    const problems =
      current !== undefined && ACTIVE.has(current.rollout.state)
        ? [`a rollout of ${capability} is ${current.rollout.state} (${current.rollout.id}): abort it first (twostep rollout abort ${capability})`]
        : [];
    const firstStep = await this.#coordinator.change(capability, stepRequest(plan.target, first), author, { dryRun: true });
    const rollout: RolloutRecord = {
      capability,
      id: randomUUID(),
      target: plan.target,
      from: firstStep.current?.value.level ?? null,
      steps: plan.steps,
      gates: plan.gates ?? [],
      intervalMs: plan.intervalMs ?? 10_000,
      onFailure: plan.onFailure ?? "revert",
      onInconclusive: plan.onInconclusive ?? "hold",
      state: "running",
      step: 0,
      applied: null,
      bakeStartedAt: null,
      results: [],
      why: null,
      change: this.note("rollout-start", author, `start rollout of v${plan.target}: ${describeStep(0, plan.steps)}`, current?.revision ?? 0),
    };
    return { rollout, current, firstStep, problems };
  }

  /** The rollout of `capability`, or undefined; throws {@link RecordUnreadableError} when it cannot be read. */
  async get(capability: string): Promise<StoredRollout | undefined> {
    const entry = await this.#plane.get({ kind: "rollout", capability });
    if (entry === undefined || entry.tombstone) return undefined;
    const decoded = this.#formats.decode("rollout", entry.value);
    if (!decoded.ok)
      throw new RecordUnreadableError(`rollout (${capability})`, decoded.problem, "upgrade twostep if a newer one wrote it, else start the plan again");
    return { rollout: decoded.value, revision: entry.revision };
  }

  /** Every rollout that can be read, with the keys of those that cannot (see {@link rolloutsIn}). */
  async list(): Promise<{ readonly rollouts: readonly StoredRollout[]; readonly unreadable: readonly string[] }> {
    return rolloutsIn(await this.#plane.read("control"), this.#formats);
  }

  /**
   * The controller lease: which controller acts, on which host, since and
   * until when (the control plane's clock); undefined when no controller
   * ever took it. Throws {@link RecordUnreadableError} when it cannot be read.
   */
  async controllerLease(): Promise<ControllerLease | undefined> {
    const entry = await this.#plane.get({ kind: "controller" });
    if (entry === undefined || entry.tombstone) return undefined;
    const decoded = this.#formats.decode("controller", entry.value);
    if (!decoded.ok) throw new RecordUnreadableError("controller lease", decoded.problem, "upgrade twostep if a newer one wrote it");
    return decoded.value;
  }

  /** The control plane's clock, ms since the epoch: what the ages of a rollout are told from. */
  async serverTime(): Promise<number> {
    return this.#plane.serverTime();
  }

  /**
   * Pauses a rollout under way: the controller leaves it as it stands. Each
   * change of a rollout takes `dryRun` (see {@link RolloutChangeOptions}):
   * then it returns the record it would write, at the revision it would
   * replace.
   */
  async pause(capability: string, author: ChangeAuthor, options: RolloutChangeOptions = {}): Promise<StoredRollout> {
    return this.#transition(
      capability,
      author,
      "rollout-pause",
      ["running", "holding"],
      (rollout) => ({ ...rollout, state: "paused", why: author.reason }),
      options,
    );
  }

  /** Resumes a paused rollout. */
  async resume(capability: string, author: ChangeAuthor, options: RolloutChangeOptions = {}): Promise<StoredRollout> {
    return this.#transition(capability, author, "rollout-resume", ["paused"], (rollout) => ({ ...rollout, state: "running", why: null }), options);
  }

  /** Moves to the next step now, without waiting for the bake (the gates still judge the next step). */
  async promote(capability: string, author: ChangeAuthor, options: RolloutChangeOptions = {}): Promise<StoredRollout> {
    return this.#transition(
      capability,
      author,
      "rollout-promote",
      ["running", "holding", "paused"],
      (rollout) => {
        if (rollout.applied === null)
          throw new InvalidRequestError(`step ${rollout.step + 1} of the rollout of ${capability} is not applied yet: promote once it is`);
        return rollout.step + 1 >= rollout.steps.length
          ? { ...rollout, state: "done", why: `promoted by ${author.actor}` }
          : { ...rollout, state: "running", step: rollout.step + 1, applied: null, bakeStartedAt: null, results: [], why: null };
      },
      options,
    );
  }

  /**
   * Aborts a rollout: the plan stops (compare-and-set of its record), then
   * the writers go back (the ramp dropped, or the level set back: see
   * {@link Rollouts.revertRequest}). When the record lost its race (the
   * controller or another release manager changed the plan meanwhile), it
   * throws `RevisionConflictError` and reverts nothing. When the revert
   * fails after the record was written, the plan stays aborted and the
   * controller reverts the writers at its next look (see
   * {@link Rollouts.pendingRevert}).
   */
  async abort(capability: string, author: ChangeAuthor, options: RolloutChangeOptions = {}): Promise<StoredRollout> {
    const current = await this.#active(capability, ["running", "holding", "paused"]);
    const aborted: RolloutRecord = {
      ...current.rollout,
      state: "aborted",
      why: author.reason,
      change: this.note("rollout-abort", author, "abort", current.revision),
    };
    if (options.dryRun === true) return { rollout: aborted, revision: current.revision };
    const stored = await this.write(aborted, current.revision);
    await this.revertWriters(aborted, author);
    return stored;
  }

  /** Starts a failed or aborted rollout's current step again. */
  async retry(capability: string, author: ChangeAuthor, options: RolloutChangeOptions = {}): Promise<StoredRollout> {
    return this.#transition(
      capability,
      author,
      "rollout-retry",
      ["failed", "aborted"],
      (rollout) => ({ ...rollout, state: "running", applied: null, bakeStartedAt: null, results: [], why: null }),
      options,
    );
  }

  /**
   * Puts the writers of a rollout back: drops its ramp, or sets the level
   * back to where the plan started. Idempotent: the revert is computed from
   * the write-level record as it stands, and computed again when another
   * change won the race with it (another revert of the same plan, say).
   */
  async revertWriters(rollout: RolloutRecord, author: ChangeAuthor): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const request = await this.revertRequest(rollout);
      if (request === null) return;
      try {
        await this.#coordinator.change(rollout.capability, request, author);
        return;
      } catch (error) {
        if (!(error instanceof RevisionConflictError) || attempt >= 3) throw error;
      }
    }
  }

  /**
   * The change that puts the writers of `rollout` back, as the write-level
   * record stands now: drop the ramp to its target, or set the level back
   * from the target to where the plan started; null when its writers are
   * back already (or the record cannot be read: the coordinator would refuse
   * any change of it).
   */
  async revertRequest(rollout: RolloutRecord): Promise<WriteLevelRequest | null> {
    const entry = await this.#plane.get({ kind: "level", capability: rollout.capability });
    if (entry === undefined || entry.tombstone) return null;
    const decoded = this.#formats.decode("level", entry.value);
    return decoded.ok ? revertOf(rollout, decoded.value) : null;
  }

  /**
   * The revert a failed or aborted rollout still needs, or null. Its record
   * is written (by compare-and-set) before its writers are reverted, and
   * whoever wrote it may have died in between: the writers still need
   * reverting when the write-level record has not changed since the
   * rollout's record was written (revisions are positions in one log) and
   * they are not back. Read as of a position at or after the rollout's
   * record, so that a lagging replica does not hide the step it reverts.
   */
  async pendingRevert({ rollout, revision }: StoredRollout): Promise<WriteLevelRequest | null> {
    if (rollout.state !== "failed" && rollout.state !== "aborted") return null;
    const snapshot = await this.#plane.read("records", { atLeast: revision });
    const entry = snapshot.entries.find((stored) => stored.key.kind === "level" && stored.key.capability === rollout.capability);
    if (entry === undefined || entry.tombstone || entry.revision > revision) return null;
    const decoded = this.#formats.decode("level", entry.value);
    return decoded.ok ? revertOf(rollout, decoded.value) : null;
  }

  /** Writes `rollout` over revision `expect`, compare-and-set. */
  async write(rollout: RolloutRecord, expect: number): Promise<StoredRollout> {
    const key: EntryKey = { kind: "rollout", capability: rollout.capability };
    const revision = await this.#plane.append(key, this.#formats.encode("rollout", rollout, 1), { expect });
    return { rollout, revision };
  }

  /** A change note of a rollout write. */
  note(action: ChangeAction | `rollout-${string}`, author: ChangeAuthor, request: string, revisionBefore: number): ChangeNote {
    return { id: randomUUID(), action, actor: author.actor, reason: author.reason, request, at: this.#clock(), revisionBefore, blockers: [], blockerCount: 0 };
  }

  /** Records a refused start in the history, as the coordinator records a refused change: best effort, never hiding the refusal itself. */
  async #refuse(rollout: RolloutRecord, author: ChangeAuthor, problem: string, blockers: readonly Blocker[], revision: number): Promise<void> {
    const note: ChangeNote = {
      ...this.note(
        "refused",
        { actor: author.actor, reason: `${author.reason}${author.reason === "" ? "" : " / "}${problem}` },
        rollout.change.request,
        revision,
      ),
      blockers: blockers.slice(0, RECORDED_BLOCKERS),
      blockerCount: blockers.length,
    };
    const key: EntryKey = { kind: "refusal", capability: rollout.capability };
    await this.#plane.append(key, this.#formats.encode("refusal", { capability: rollout.capability, change: note }, 1)).catch(() => {});
  }

  async #active(capability: string, states: readonly RolloutState[]): Promise<StoredRollout> {
    const current = await this.get(capability);
    if (current === undefined) throw new InvalidRequestError(`${capability} has no rollout: start one with twostep rollout start`);
    if (!states.includes(current.rollout.state)) {
      throw new InvalidRequestError(`the rollout of ${capability} is ${current.rollout.state}; this needs it ${states.join(" or ")}`);
    }
    return current;
  }

  async #transition(
    capability: string,
    author: ChangeAuthor,
    action: `rollout-${string}`,
    from: readonly RolloutState[],
    next: (rollout: RolloutRecord) => RolloutRecord,
    options: RolloutChangeOptions,
  ): Promise<StoredRollout> {
    const current = await this.#active(capability, from);
    const rollout = { ...next(current.rollout), change: this.note(action, author, action.slice("rollout-".length), current.revision) };
    if (options.dryRun === true) return { rollout, revision: current.revision };
    return this.write(rollout, current.revision);
  }
}

/** Every rollout of a snapshot of the `control` scope that can be read, with the keys of those that cannot. */
export function rolloutsIn(
  snapshot: Snapshot,
  formats: RecordFormats<TwostepRecords>,
): { readonly rollouts: readonly StoredRollout[]; readonly unreadable: readonly string[] } {
  const rollouts: StoredRollout[] = [];
  const unreadable: string[] = [];
  for (const entry of snapshot.entries) {
    if (entry.key.kind !== "rollout" || entry.tombstone) continue;
    const decoded = formats.decode("rollout", entry.value);
    if (decoded.ok) rollouts.push({ rollout: decoded.value, revision: entry.revision });
    else unreadable.push(`${entry.key.capability}: ${decoded.problem}`);
  }
  return { rollouts, unreadable };
}

/** The change that puts the writers of `rollout` back from `record`, or null when they are back. */
function revertOf(rollout: RolloutRecord, record: WriteLevelRecord): WriteLevelRequest | null {
  if (record.ramp !== null && record.ramp.to === rollout.target) return { kind: "revert-ramp" };
  if (record.level === rollout.target && rollout.from !== null && rollout.from !== rollout.target) return { kind: "disable-write", to: rollout.from };
  return null;
}
