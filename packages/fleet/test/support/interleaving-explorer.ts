/** Calls that only read: two of them commute, so their order need not be explored. */
const READS = new Set(["read", "get", "history", "readBeats", "readBeat", "lastBeat", "regressionMarks", "beatsOf", "serverTime"]);

/** A call of an actor, held until the scheduler lets it through. */
interface HeldCall {
  readonly method: string;
  readonly release: () => void;
}

/**
 * Runs actors (async functions that use the control plane) one control-plane
 * call at a time, in an order a path of choices dictates. Every call an
 * actor makes waits at a gate; the scheduler lets one actor's waiting calls
 * through at each step, then lets it run until it waits again or ends.
 */
export class Scheduler {
  readonly #held = new Map<number, HeldCall[]>();
  readonly #running = new Set<number>();
  readonly #names: string[] = [];
  #open = false;
  /** Failures of actors that a correct system never shows (not refusals). */
  readonly failures: string[] = [];

  /** `target` (a control plane) for actor `actor`: each call waits for the scheduler. */
  gate<T extends object>(actor: number, target: T): T {
    return new Proxy(target, {
      get: (target, property, receiver) => {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== "function" || property === "close") return typeof value === "function" ? value.bind(target) : value;
        return async (...args: unknown[]) => {
          if (!this.#open)
            await new Promise<void>((release) => {
              const held = this.#held.get(actor) ?? [];
              held.push({ method: String(property), release });
              this.#held.set(actor, held);
            });
          return value.apply(target, args);
        };
      },
    });
  }

  /** The number the next {@link Scheduler.spawn} gives its actor. */
  get next(): number {
    return this.#names.length;
  }

  /**
   * Starts an actor; it runs until its first call waits. A failure that
   * `expected` does not accept (a refusal is expected, a crash is not) is
   * kept in {@link Scheduler.failures}.
   */
  spawn(name: string, body: () => Promise<unknown>, expected: (error: unknown) => boolean): number {
    const actor = this.#names.length;
    this.#names.push(name);
    this.#running.add(actor);
    void body()
      .catch((error: unknown) => {
        if (!expected(error)) this.failures.push(`${name} failed: ${String(error)}`);
      })
      .finally(() => this.#running.delete(actor));
    return actor;
  }

  /** Lets every call through from now on, waiting or not: for cleaning up after an exploration. */
  open(): void {
    this.#open = true;
    for (const calls of this.#held.values()) for (const call of calls.splice(0)) call.release();
  }

  /** The actors with calls waiting, and whether all their waiting calls only read. */
  enabled(): { actor: number; name: string; reads: boolean }[] {
    return [...this.#held]
      .filter(([, calls]) => calls.length > 0)
      .map(([actor, calls]) => ({ actor, name: this.#names[actor] ?? "?", reads: calls.every((call) => READS.has(call.method)) }))
      .sort((a, b) => a.actor - b.actor);
  }

  /** Lets every waiting call of `actor` through. */
  step(actor: number): string[] {
    const calls = this.#held.get(actor) ?? [];
    this.#held.set(actor, []);
    for (const call of calls) call.release();
    return calls.map((call) => call.method);
  }
}

/** Lets every microtask and pending callback run: the memory control plane and its followers settle. */
export async function quiesce(): Promise<void> {
  for (let turn = 0; turn < 4; turn++) await new Promise((resolve) => setImmediate(resolve));
}

/** What one exploration found. */
export interface Exploration {
  /** Interleavings run to the end. */
  readonly executions: number;
  /** Steps run over all of them: the states visited (with repeats across executions). */
  readonly states: number;
  /** The first violation, with the steps that led to it, or null. */
  readonly violation: { readonly steps: readonly string[]; readonly problems: readonly string[] } | null;
}

/** One run of a scenario under a scheduler: its actors are spawned, and `check` judges the state after each step. */
export interface ScenarioRun {
  readonly check: () => Promise<string[]>;
  readonly close: () => Promise<void>;
}

/**
 * Explores every interleaving of a scenario's actors at the granularity of
 * control-plane calls, depth first, by running the scenario again for each
 * path of choices (the real decision code runs; nothing is modelled). Two
 * adjacent steps that only read commute, so only one of their orders is run.
 * `maxDepth` bounds the steps of one execution. Stops at the first violation.
 */
export async function explore(setup: (scheduler: Scheduler) => Promise<ScenarioRun>, maxDepth = 60): Promise<Exploration> {
  // Refusals are thrown at nearly every state (a fenced node asked for its level, a refused change); only their
  // messages are read here, and capturing their stacks took a tenth of the run. To debug a failure with stacks,
  // run it again without this.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return await exploreAll(setup, maxDepth);
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

async function exploreAll(setup: (scheduler: Scheduler) => Promise<ScenarioRun>, maxDepth: number): Promise<Exploration> {
  let executions = 0;
  let states = 0;
  let prefix: number[] = [];
  for (;;) {
    const scheduler = new Scheduler();
    const run = await setup(scheduler);
    const choices: { taken: number; options: number }[] = [];
    const steps: string[] = [];
    let last: { actor: number; reads: boolean } | undefined;
    try {
      await quiesce();
      for (let depth = 0; depth < maxDepth; depth++) {
        // Adjacent reads commute: after a read of actor i, a read of an actor below i was run first in another execution.
        const enabled = scheduler.enabled().filter((option) => !(last?.reads === true && option.reads && option.actor < last.actor));
        if (enabled.length === 0) break;
        const taken = prefix[choices.length] ?? 0;
        choices.push({ taken, options: enabled.length });
        const chosen = enabled[taken] ?? (enabled[0] as (typeof enabled)[number]);
        const methods = scheduler.step(chosen.actor);
        steps.push(`${chosen.name}: ${methods.join("+")}`);
        last = { actor: chosen.actor, reads: chosen.reads };
        await quiesce();
        states++;
        const problems = [...scheduler.failures, ...(await run.check())];
        if (problems.length > 0) return { executions: executions + 1, states, violation: { steps, problems } };
      }
    } finally {
      scheduler.open();
      await run.close();
    }
    executions++;
    // Backtrack: the deepest choice with an option left.
    let index = choices.length - 1;
    while (index >= 0 && (choices[index] as { taken: number; options: number }).taken + 1 >= (choices[index] as { options: number }).options) index--;
    if (index < 0) return { executions, states, violation: null };
    prefix = [...choices.slice(0, index).map((choice) => choice.taken), (choices[index] as { taken: number }).taken + 1];
  }
}
