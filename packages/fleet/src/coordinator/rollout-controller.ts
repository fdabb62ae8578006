import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { isTwostepError } from "@twostep/core";
import type { ControlPlane, Snapshot } from "../control-plane/control-plane.js";
import { FleetErrorCode, RevisionConflictError } from "../errors/fleet-errors.js";
import type { ChangeAuthor } from "../records/change-note.js";
import type { ControllerLease } from "../records/controller-lease.js";
import type { RecordFormats } from "../records/record-formats.js";
import type { RolloutRecord } from "../records/rollout-record.js";
import { type TwostepRecords, twostepRecordFormats } from "../records/twostep-records.js";
import { answer, applyRequest, pendingRequests } from "./change-requests.js";
import { Coordinator } from "./coordinator.js";
import { RolloutGates } from "./rollout-gates.js";
import { describeStep, stepRequest } from "./rollout-plan.js";
import { Rollouts, rolloutsIn, type StoredRollout } from "./rollouts.js";

/** Options of a {@link RolloutController}. */
export interface RolloutControllerOptions {
  /** Unique id of this controller. Defaults to a random one. */
  readonly id?: string;
  /** How long its lease lasts without renewal; another controller takes over after it. Defaults to 15 s. */
  readonly leaseMs?: number;
  /** How often it looks (renews its lease, judges rollouts that are due). Defaults to 1 s. */
  readonly tickMs?: number;
  /** The coordinator's clock margin (see `CoordinatorOptions`). Defaults to 5 s. */
  readonly clockMarginMs?: number;
  readonly recordFormats?: RecordFormats<TwostepRecords>;
  /** The clock of recorded times, ms since the epoch. Defaults to `Date.now`. */
  readonly clock?: () => number;
  /** Told of each thing the controller did, in words (for logs and the CLI). */
  readonly onEvent?: (event: ControllerEvent) => void;
}

/** Something a controller did or saw. */
export interface ControllerEvent {
  readonly kind:
    | "lease-acquired"
    | "lease-lost"
    | "request-applied"
    | "request-refused"
    | "step-applied"
    | "step-held"
    | "step-baked"
    | "rollout-done"
    | "rollout-failed"
    | "writers-reverted"
    | "error";
  readonly capability: string | null;
  readonly detail: string;
  readonly at: number;
}

/**
 * Advances rollout plans: applies each step through the coordinator (so the
 * read-first rule and the join guard hold at every step), judges its gates
 * every interval, starts its bake once it converged, moves on once it baked,
 * and on a failed gate records the failure and then reverts the writers. It
 * acts only while it holds the controller lease, which it renews (by
 * compare-and-set, before its lease ran out by the control plane's clock)
 * before each change of the fleet and each verdict it records; a controller
 * that dies is replaced by another that resumes where the plan stands: every
 * step is recorded in the plan's record by compare-and-set, so none is
 * skipped or applied twice, whichever controller acts, and the writers of a
 * failed or aborted plan whose revert was left undone are reverted at the
 * next look. Usable as a library; `twostep controller` runs one.
 */
export class RolloutController {
  readonly id: string;
  readonly #plane: ControlPlane;
  readonly #coordinator: Coordinator;
  readonly #rollouts: Rollouts;
  readonly #gates = new RolloutGates();
  readonly #formats: RecordFormats<TwostepRecords>;
  readonly #leaseMs: number;
  readonly #tickMs: number;
  readonly #marginMs: number;
  readonly #clock: () => number;
  readonly #onEvent: (event: ControllerEvent) => void;
  readonly #host = `${hostname()}/${process.pid}`;
  /** When each rollout was last judged (control plane's clock). */
  readonly #judged = new Map<string, number>();
  /** Failed or aborted rollouts (by id and revision) whose writers were found back: not read again. */
  readonly #reverted = new Set<string>();
  #lease: HeldLease | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(controlPlane: ControlPlane, options: RolloutControllerOptions = {}) {
    this.id = options.id ?? `controller-${randomUUID().slice(0, 8)}`;
    this.#plane = controlPlane;
    this.#formats = options.recordFormats ?? twostepRecordFormats;
    this.#clock = options.clock ?? Date.now;
    this.#marginMs = options.clockMarginMs ?? 5_000;
    this.#coordinator = new Coordinator(controlPlane, {
      recordFormats: this.#formats,
      clock: this.#clock,
      clockMarginMs: this.#marginMs,
      asController: true,
    });
    this.#rollouts = new Rollouts(controlPlane, this.#coordinator, { recordFormats: this.#formats, clock: this.#clock });
    this.#leaseMs = options.leaseMs ?? 15_000;
    this.#tickMs = options.tickMs ?? 1_000;
    this.#onEvent = options.onEvent ?? (() => {});
  }

  /** True while this controller holds the lease (as of its last look). */
  get leading(): boolean {
    return this.#lease !== undefined;
  }

  /** Looks every `tickMs` until {@link RolloutController.stop}. */
  start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => {
      this.#running ??= this.tick()
        .catch((error: unknown) => this.#event("error", null, String(error)))
        .finally(() => {
          this.#running = undefined;
        });
    }, this.#tickMs);
  }

  /** Stops looking, lets the look under way finish, and gives the lease up so another controller takes over at once. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
    const lease = this.#lease;
    this.#lease = undefined;
    if (lease === undefined) return;
    const now = await this.#plane.serverTime();
    const released: ControllerLease = { holder: this.id, host: this.#host, until: now, since: now };
    await this.#plane.append({ kind: "controller" }, this.#formats.encode("controller", released, 1), { expect: lease.revision }).catch(() => {});
  }

  /**
   * One look: renew (or take) the lease, answer the change requests that
   * wait (oldest first), then advance every rollout that is due, and revert
   * the writers of a failed or aborted one whose revert was left undone. It
   * stops where it stands once the lease is lost (see {@link RolloutController}).
   */
  async tick(): Promise<void> {
    // One read of the control scope (the lease, the requests, the rollouts) and one of the time serve the whole look.
    const [snapshot, now] = await Promise.all([this.#plane.read("control"), this.#plane.serverTime()]);
    try {
      this.#lease = await this.#holdLease(snapshot, now);
      if (this.#lease === undefined) return;
      await this.#answerRequests(snapshot);
      await this.#advanceAll(snapshot, now);
    } catch (error) {
      if (!(error instanceof LeaseLost)) throw error;
    }
  }

  async #advanceAll(snapshot: Snapshot, now: number): Promise<void> {
    const { rollouts } = rolloutsIn(snapshot, this.#formats);
    const underWay = (rollout: RolloutRecord): boolean => rollout.state === "running" || rollout.state === "holding";
    const ended = (stored: StoredRollout): boolean =>
      (stored.rollout.state === "failed" || stored.rollout.state === "aborted") && !this.#reverted.has(revertKey(stored));
    const due = rollouts.filter(
      (stored) => (underWay(stored.rollout) || ended(stored)) && now - (this.#judged.get(stored.rollout.id) ?? 0) >= stored.rollout.intervalMs,
    );
    this.#gates.keepOnly(new Set(rollouts.filter(({ rollout }) => underWay(rollout)).map(({ rollout }) => rollout.id)));
    const listed = new Set(rollouts.map(revertKey));
    for (const key of this.#reverted) if (!listed.has(key)) this.#reverted.delete(key);
    for (const stored of due) {
      this.#judged.set(stored.rollout.id, now);
      try {
        if (underWay(stored.rollout)) await this.#advance(stored);
        else await this.#finishRevert(stored);
      } catch (error) {
        // Another controller (or a release manager) changed the plan meanwhile: judge it again at the next look.
        if (error instanceof RevisionConflictError) continue;
        if (error instanceof LeaseLost) throw error;
        this.#event("error", stored.rollout.capability, error instanceof Error ? error.message : String(error));
      }
    }
  }

  /**
   * Reverts the writers of a failed or aborted rollout when its record was
   * written but the revert was not (whoever wrote it died, or the revert
   * failed); remembers it once they are back.
   */
  async #finishRevert(stored: StoredRollout): Promise<void> {
    const { rollout } = stored;
    if ((await this.#rollouts.pendingRevert(stored)) === null) {
      this.#reverted.add(revertKey(stored));
      return;
    }
    await this.#keepLease();
    const why = rollout.why ?? rollout.change.reason;
    await this.#rollouts.revertWriters(rollout, { actor: `controller ${this.id}`, reason: `rollout ${rollout.id} ${rollout.state}: ${why}` });
    this.#reverted.add(revertKey(stored));
    this.#event("writers-reverted", rollout.capability, `the rollout ${rollout.state} (${why}); its writers were not reverted yet`);
  }

  /** Checks and applies each waiting request with the same rules as any change, and writes what became of it. */
  async #answerRequests(snapshot: Snapshot): Promise<void> {
    for (const pending of await pendingRequests(this.#plane, this.#formats, snapshot)) {
      await this.#keepLease();
      const outcome = await applyRequest(this.#coordinator, pending);
      if (outcome === undefined) continue;
      const asked = `${pending.request.actor}: ${outcome.message}`;
      if (!(await answer(this.#plane, this.#formats, pending, outcome))) {
        if (outcome.outcome === "applied") this.#event("error", pending.request.capability, `${asked}, after the asker had withdrawn the request`);
        continue;
      }
      this.#event(outcome.outcome === "applied" || outcome.outcome === "unchanged" ? "request-applied" : "request-refused", pending.request.capability, asked);
    }
  }

  async #advance({ rollout, revision }: StoredRollout): Promise<void> {
    const author = this.#author(rollout);
    if (rollout.applied === null) {
      try {
        await this.#keepLease();
        const change = await this.#coordinator.change(
          rollout.capability,
          stepRequest(rollout.target, rollout.steps[rollout.step] ?? { percent: 100, where: null, bakeMs: 0 }),
          author,
        );
        const at = await this.#plane.serverTime();
        const applied = { revision: change.after?.revision ?? change.before?.revision ?? 0, at };
        await this.#rollouts.write(
          { ...rollout, state: "running", applied, why: null, change: this.#rollouts.note("rollout-step", author, "apply step", revision) },
          revision,
        );
        this.#event("step-applied", rollout.capability, describeStep(rollout.step, rollout.steps));
      } catch (error) {
        if (
          !isTwostepError(error) ||
          ![FleetErrorCode.UnsafeChange, FleetErrorCode.StoreRegressed, FleetErrorCode.RecordUnreadable].includes(error.code as never)
        )
          throw error;
        // The fleet cannot take the step now (a member does not read the target, the store went backwards): hold and try again.
        if (rollout.state !== "holding" || rollout.why !== error.message) {
          await this.#keepLease();
          await this.#rollouts.write(
            { ...rollout, state: "holding", why: error.message, change: this.#rollouts.note("rollout-hold", author, "hold", revision) },
            revision,
          );
        }
        this.#event("step-held", rollout.capability, error.message);
      }
      return;
    }
    const view = await this.#coordinator.view();
    const { results, converged } = await this.#gates.judge(rollout, view);
    const failed = results.filter((result) => result.verdict === "fail" || (result.verdict === "inconclusive" && rollout.onInconclusive === "fail"));
    if (failed.length > 0 && rollout.onFailure === "revert") {
      const why = failed.map((result) => `${result.name}: ${result.detail}`).join("; ");
      // The failure first, by compare-and-set: when another controller or a release manager changed the plan meanwhile, it is
      // refused and nothing is reverted (the next look judges the plan as it stands). A revert left undone after it (this
      // controller died, or lost its lease) is done at the next look (see #finishRevert).
      await this.#keepLease();
      const stored = await this.#rollouts.write(
        { ...rollout, state: "failed", results, why, change: this.#rollouts.note("rollout-fail", author, "fail", revision) },
        revision,
      );
      let reverted = false;
      try {
        await this.#keepLease();
        await this.#rollouts.revertWriters(rollout, { ...author, reason: `rollout ${rollout.id} failed: ${why}` });
        this.#reverted.add(revertKey(stored));
        reverted = true;
      } finally {
        this.#event("rollout-failed", rollout.capability, reverted ? why : `${why} (its writers are reverted at a later look)`);
      }
      return;
    }
    const inconclusive = results.filter((result) => result.verdict !== "pass");
    const bakeStartedAt = rollout.bakeStartedAt ?? (converged ? view.now : null);
    const step = rollout.steps[rollout.step];
    const baked = bakeStartedAt !== null && step !== undefined && view.now - bakeStartedAt >= step.bakeMs;
    if (baked && inconclusive.length === 0) {
      await this.#keepLease();
      const last = rollout.step + 1 >= rollout.steps.length;
      const next: RolloutRecord = last
        ? { ...rollout, state: "done", bakeStartedAt, results, why: null }
        : { ...rollout, state: "running", step: rollout.step + 1, applied: null, bakeStartedAt: null, results: [], why: null };
      await this.#rollouts.write(
        { ...next, change: this.#rollouts.note(last ? "rollout-done" : "rollout-step", author, last ? "done" : "next step", revision) },
        revision,
      );
      this.#event(last ? "rollout-done" : "step-baked", rollout.capability, describeStep(rollout.step, rollout.steps));
      return;
    }
    const state = inconclusive.length > 0 ? "holding" : "running";
    const why = inconclusive.length > 0 ? inconclusive.map((result) => `${result.name}: ${result.detail}`).join("; ") : null;
    // Record the verdicts only when something changed, so that a quiet bake does not write every interval.
    if (state !== rollout.state || bakeStartedAt !== rollout.bakeStartedAt || why !== rollout.why || verdictsOf(results) !== verdictsOf(rollout.results)) {
      await this.#keepLease();
      await this.#rollouts.write(
        { ...rollout, state, bakeStartedAt, results, why, change: this.#rollouts.note("rollout-judge", author, "judge", revision) },
        revision,
      );
    }
  }

  /**
   * Takes the lease when it is free or ran out, renews it when held (the
   * lease entry as `snapshot` has it, `now` by the control plane's clock);
   * the lease it now holds, or undefined when another controller holds it.
   */
  async #holdLease(snapshot: Snapshot, now: number): Promise<HeldLease | undefined> {
    const entry = snapshot.entries.find((stored) => stored.key.kind === "controller");
    const decoded = entry === undefined || entry.tombstone ? undefined : this.#formats.decode("controller", entry.value);
    const current = decoded?.ok === true ? decoded.value : undefined;
    const mine = current?.holder === this.id;
    if (current !== undefined && !mine && current.until > now) {
      if (this.#lease !== undefined) this.#event("lease-lost", null, `${current.holder} (${current.host}) holds the lease`);
      this.#lease = undefined;
      return undefined;
    }
    const since = mine ? (current?.since ?? now) : now;
    const held = await this.#appendLease(entry?.revision ?? 0, now, since);
    if (held !== undefined && this.#lease === undefined)
      this.#event("lease-acquired", null, `${this.id} on ${this.#host}${current === undefined || mine ? "" : `, after ${current.holder}'s lease ran out`}`);
    return held;
  }

  /**
   * Before a change of the fleet or a record of a verdict: renews the lease
   * by compare-and-set, so that no other controller can act before it runs
   * out again; throws {@link LeaseLost} (which stops the look) when it ran
   * out already by the control plane's clock (a slow gate, a slow request),
   * or another controller took it.
   */
  async #keepLease(): Promise<void> {
    const lease = this.#lease;
    const now = await this.#plane.serverTime();
    const held = lease === undefined || now >= lease.until ? undefined : await this.#appendLease(lease.revision, now, lease.since);
    if (held !== undefined) {
      this.#lease = held;
      return;
    }
    this.#lease = undefined;
    const why = lease !== undefined && now >= lease.until ? `it ran out ${now - lease.until} ms ago, in the middle of a look` : "another controller took it";
    this.#event("lease-lost", null, `${this.id}: ${why}; it stops where it stands`);
    throw new LeaseLost();
  }

  /** Writes this controller's lease over revision `expect`, until `now` + leaseMs; undefined when another write won. */
  async #appendLease(expect: number, now: number, since: number): Promise<HeldLease | undefined> {
    const lease: ControllerLease = { holder: this.id, host: this.#host, until: now + this.#leaseMs, since };
    try {
      const revision = await this.#plane.append({ kind: "controller" }, this.#formats.encode("controller", lease, 1), { expect });
      return { revision, until: lease.until, since };
    } catch (error) {
      if (!(error instanceof RevisionConflictError)) throw error;
      return undefined;
    }
  }

  #author(rollout: RolloutRecord): ChangeAuthor {
    return { actor: `controller ${this.id}`, reason: `rollout ${rollout.id}: ${describeStep(rollout.step, rollout.steps)}` };
  }

  #event(kind: ControllerEvent["kind"], capability: string | null, detail: string): void {
    try {
      this.#onEvent({ kind, capability, detail, at: this.#clock() });
    } catch {
      // A listener's failure is its own.
    }
  }
}

/** The lease as this controller holds it: the revision of its entry, until when it runs (control plane's clock), since when it is held. */
interface HeldLease {
  readonly revision: number;
  readonly until: number;
  readonly since: number;
}

/** Thrown by a step of a look when the controller lost its lease: the look stops where it stands. */
class LeaseLost extends Error {
  constructor() {
    super("the controller lost its lease");
  }
}

/** The key under which a failed or aborted rollout's revert is remembered as done. */
function revertKey({ rollout, revision }: StoredRollout): string {
  return `${rollout.id}@${revision}`;
}

function verdictsOf(results: readonly { readonly name: string; readonly verdict: string }[]): string {
  return results.map((result) => `${result.name}=${result.verdict}`).join(",");
}
