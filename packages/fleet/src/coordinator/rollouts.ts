import { randomUUID } from "node:crypto";
import type { ControlPlane } from "../control-plane/control-plane.js";
import type { EntryKey } from "../control-plane/entry-key.js";
import { InvalidRequestError, RecordUnreadableError, UnsafeChangeError } from "../errors/fleet-errors.js";
import type { ChangeAction, ChangeAuthor, ChangeNote } from "../records/change-note.js";
import type { RecordFormats } from "../records/record-formats.js";
import type { RolloutRecord, RolloutState } from "../records/rollout-record.js";
import { type TwostepRecords, twostepRecordFormats } from "../records/twostep-records.js";
import type { Coordinator } from "./coordinator.js";
import { describeStep, type RolloutPlan, stepRequest } from "./rollout-plan.js";

/** A rollout record with the revision it was read at. */
export interface StoredRollout {
  readonly rollout: RolloutRecord;
  readonly revision: number;
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
   * way, and when its first step would be refused now (the blockers are
   * given): a plan never starts on a fleet that cannot take it.
   */
  async start(capability: string, plan: RolloutPlan, author: ChangeAuthor): Promise<StoredRollout> {
    const current = await this.get(capability);
    if (current !== undefined && ACTIVE.has(current.rollout.state)) {
      throw new InvalidRequestError(
        `a rollout of ${capability} is ${current.rollout.state} (${current.rollout.id}): abort it first (twostep rollout abort ${capability})`,
      );
    }
    const first = plan.steps[0];
    if (first === undefined) throw new InvalidRequestError("the rollout plan has no step");
    const check = await this.#coordinator.change(capability, stepRequest(plan.target, first), author, { dryRun: true });
    if (check.blockers.length > 0 || check.problems.length > 0) {
      throw new UnsafeChangeError(
        capability,
        `the first step of the plan would be refused: ${check.problems.join("; ") || "some members block it"}`,
        check.blockers,
      );
    }
    const rollout: RolloutRecord = {
      capability,
      id: randomUUID(),
      target: plan.target,
      from: check.current?.value.level ?? null,
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
    return this.write(rollout, current?.revision ?? 0);
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

  /** Every rollout that can be read, with the keys of those that cannot. */
  async list(): Promise<{ readonly rollouts: readonly StoredRollout[]; readonly unreadable: readonly string[] }> {
    const snapshot = await this.#plane.read("control");
    const rollouts: StoredRollout[] = [];
    const unreadable: string[] = [];
    for (const entry of snapshot.entries) {
      if (entry.key.kind !== "rollout" || entry.tombstone) continue;
      const decoded = this.#formats.decode("rollout", entry.value);
      if (decoded.ok) rollouts.push({ rollout: decoded.value, revision: entry.revision });
      else unreadable.push(`${entry.key.capability}: ${decoded.problem}`);
    }
    return { rollouts, unreadable };
  }

  /** Pauses a rollout under way: the controller leaves it as it stands. */
  async pause(capability: string, author: ChangeAuthor): Promise<StoredRollout> {
    return this.#transition(capability, author, "rollout-pause", ["running", "holding"], (rollout) => ({ ...rollout, state: "paused", why: author.reason }));
  }

  /** Resumes a paused rollout. */
  async resume(capability: string, author: ChangeAuthor): Promise<StoredRollout> {
    return this.#transition(capability, author, "rollout-resume", ["paused"], (rollout) => ({ ...rollout, state: "running", why: null }));
  }

  /** Moves to the next step now, without waiting for the bake (the gates still judge the next step). */
  async promote(capability: string, author: ChangeAuthor): Promise<StoredRollout> {
    return this.#transition(capability, author, "rollout-promote", ["running", "holding", "paused"], (rollout) => {
      if (rollout.applied === null)
        throw new InvalidRequestError(`step ${rollout.step + 1} of the rollout of ${capability} is not applied yet: promote once it is`);
      return rollout.step + 1 >= rollout.steps.length
        ? { ...rollout, state: "done", why: `promoted by ${author.actor}` }
        : { ...rollout, state: "running", step: rollout.step + 1, applied: null, bakeStartedAt: null, results: [], why: null };
    });
  }

  /** Aborts a rollout: the writers go back (the ramp dropped, or the level set back), then the plan stops. */
  async abort(capability: string, author: ChangeAuthor): Promise<StoredRollout> {
    const current = await this.#active(capability, ["running", "holding", "paused"]);
    await this.revertWriters(current.rollout, author);
    return this.write(
      { ...current.rollout, state: "aborted", why: author.reason, change: this.note("rollout-abort", author, "abort", current.revision) },
      current.revision,
    );
  }

  /** Starts a failed or aborted rollout's current step again. */
  async retry(capability: string, author: ChangeAuthor): Promise<StoredRollout> {
    return this.#transition(capability, author, "rollout-retry", ["failed", "aborted"], (rollout) => ({
      ...rollout,
      state: "running",
      applied: null,
      bakeStartedAt: null,
      results: [],
      why: null,
    }));
  }

  /** Puts the writers of a rollout back: drops its ramp, or sets the level back to where the plan started. */
  async revertWriters(rollout: RolloutRecord, author: ChangeAuthor): Promise<void> {
    const status = await this.#coordinator.status(rollout.capability);
    const record = status.capabilities[0]?.record ?? null;
    if (record?.ramp !== null && record?.ramp !== undefined && record.ramp.to === rollout.target) {
      await this.#coordinator.change(rollout.capability, { kind: "revert-ramp" }, author);
    } else if (record?.level === rollout.target && rollout.from !== null && rollout.from !== rollout.target) {
      await this.#coordinator.change(rollout.capability, { kind: "disable-write", to: rollout.from }, author);
    }
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
  ): Promise<StoredRollout> {
    const current = await this.#active(capability, from);
    const rollout = next(current.rollout);
    return this.write({ ...rollout, change: this.note(action, author, action.slice("rollout-".length), current.revision) }, current.revision);
  }
}
