import type { AuditEntry, Coordinator, Rollouts, StoredRollout, Subscription } from "@twostep/fleet";
import { followHistory } from "../follow/follow-history.js";
import { PollProblems, timelessKey } from "../follow/poll-problems.js";
import { type HistoryJson, historyJson } from "../json/history-json.js";
import { type FleetSummaryJson, fleetSummaryJson } from "../json/fleet-summary-json.js";
import { auditEvent, errorEvent, type WatchErrorEvent } from "../json/watch-event.js";

/** What `Rollouts.list()` of `@twostep/fleet` gives: every rollout plan that can be read, and the problems of those that cannot. */
export interface RolloutList {
  readonly rollouts: readonly StoredRollout[];
  readonly unreadable: readonly string[];
}

/**
 * The events of the dashboard's live channel, by name, with their data:
 * `fleet` as `/api/fleet` gives it (the status with members counted, not
 * listed), `history` as `twostep history --json` prints it, `audit` and `problem` as `twostep watch --json` prints its
 * `audit` and `error` events (`problem`, since an EventSource gives the name
 * `error` to its own connection errors), and `rollouts` as
 * `Rollouts.list()` gives them.
 */
export interface FeedEvents {
  readonly fleet: FleetSummaryJson;
  readonly rollouts: RolloutList;
  readonly history: HistoryJson;
  readonly audit: ReturnType<typeof auditEvent>;
  readonly problem: WatchErrorEvent;
}

/** One event of the live channel. */
export type FeedEvent = { [K in keyof FeedEvents]: { readonly name: K; readonly data: FeedEvents[K] } }[keyof FeedEvents];

/** Options of {@link DashboardFeed.start}. */
export interface FeedOptions {
  /** How often the status and the rollouts are read, in ms. */
  readonly intervalMs: number;
  /** How many history entries a page is given when it connects. */
  readonly historyLimit: number;
}

/** A fleet unchanged but for its time is sent again after this many polls, so that the ages a page shows stay current. */
const REFRESH_POLLS = 10;

/**
 * What every open page is told: polls the coordinator's status and the
 * rollout plans every interval (at once after a change is recorded) and
 * follows the history with `Coordinator.watch`. Sends the fleet or the
 * rollouts only when they changed, an audit event per entry, and an error
 * event when a poll fails (once per distinct message; the next fleet event says
 * the control plane is back). A page that connects is given the latest of
 * each first.
 */
export class DashboardFeed {
  readonly #coordinator: Coordinator;
  readonly #rollouts: Rollouts;
  readonly #options: FeedOptions;
  readonly #listeners = new Set<(event: FeedEvent) => void>();
  readonly #stopped = new AbortController();
  #fleet: { json: FleetSummaryJson; key: string; polls: number };
  #rolloutList: { json: RolloutList; key: string };
  #history: AuditEntry[];
  #problem: WatchErrorEvent | undefined;
  readonly #problems = new PollProblems();
  #subscription: Subscription | undefined;
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;

  private constructor(coordinator: Coordinator, rollouts: Rollouts, options: FeedOptions, first: { fleet: FleetSummaryJson; rollouts: RolloutList }) {
    this.#coordinator = coordinator;
    this.#rollouts = rollouts;
    this.#options = options;
    this.#fleet = { json: first.fleet, key: timelessKey(first.fleet), polls: 0 };
    this.#rolloutList = { json: first.rollouts, key: JSON.stringify(first.rollouts) };
    this.#history = [];
  }

  /** Reads the fleet, the rollouts and the recent history (a failure here fails the start), then keeps polling until {@link DashboardFeed.stop}. */
  static async start(coordinator: Coordinator, rollouts: Rollouts, options: FeedOptions): Promise<DashboardFeed> {
    const [status, list] = await Promise.all([coordinator.status(), rollouts.list()]);
    const feed = new DashboardFeed(coordinator, rollouts, options, { fleet: fleetSummaryJson(status), rollouts: list });
    try {
      await feed.#follow();
    } catch (error) {
      await feed.stop();
      throw error;
    }
    feed.#loop = feed.#run();
    return feed;
  }

  /** Calls `listener` with the latest fleet, rollouts and history (and the current problem, if any), then with every event until it is removed. */
  subscribe(listener: (event: FeedEvent) => void): () => void {
    listener({ name: "fleet", data: this.#fleet.json });
    listener({ name: "rollouts", data: this.#rolloutList.json });
    listener({ name: "history", data: historyJson(this.#history) });
    if (this.#problem !== undefined) listener({ name: "problem", data: this.#problem });
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stops polling and following the history; idempotent. */
  async stop(): Promise<void> {
    this.#stopped.abort();
    this.#wake?.();
    await this.#loop;
    await this.#subscription?.stop().catch(() => {});
    this.#subscription = undefined;
    this.#listeners.clear();
  }

  /** Reads the recent history and follows it (no entry recorded meanwhile is missed). */
  async #follow(): Promise<void> {
    const { recent, subscription } = await followHistory(this.#coordinator, { limit: this.#options.historyLimit }, (entry) => this.#add(entry));
    this.#subscription = subscription;
    this.#history = [...recent];
  }

  #add(entry: AuditEntry): void {
    this.#history = [...this.#history, entry].slice(-this.#options.historyLimit);
    this.#emit({ name: "audit", data: auditEvent(entry) });
    // A change was recorded: show what it did now rather than at the next poll.
    this.#wake?.();
  }

  async #run(): Promise<void> {
    while (!this.#stopped.signal.aborted) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.#options.intervalMs);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
      if (this.#stopped.signal.aborted) return;
      await this.#poll();
    }
  }

  async #poll(): Promise<void> {
    try {
      const [status, list] = await Promise.all([this.#coordinator.status(), this.#rollouts.list()]);
      // The plans first: a page judges the fleet's capabilities by them (one whose plan is under way is never quiet).
      const listKey = JSON.stringify(list);
      if (listKey !== this.#rolloutList.key) {
        this.#rolloutList = { json: list, key: listKey };
        this.#emit({ name: "rollouts", data: list });
      }
      const json = fleetSummaryJson(status);
      const key = timelessKey(json);
      const polls = this.#fleet.polls + 1;
      const recovered = this.#problems.succeeded();
      this.#problem = undefined;
      if (recovered || key !== this.#fleet.key || polls >= REFRESH_POLLS) {
        this.#fleet = { json, key, polls: 0 };
        this.#emit({ name: "fleet", data: json });
      } else this.#fleet = { ...this.#fleet, polls };
    } catch (error) {
      const event = errorEvent(error);
      if (!this.#problems.failed(event.message)) return;
      this.#problem = event;
      this.#emit({ name: "problem", data: event });
    }
  }

  #emit(event: FeedEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}
