import { type ChildProcess, fork } from "node:child_process";
import { setPriority } from "node:os";
import { fileURLToPath } from "node:url";
import { type ProcessUsage, processUsage } from "./process-usage.js";
import type { Side, StartRaw, StartTwostep, WorkerCommand, WorkerReport } from "./worker-protocol.js";

/** Followers one worker process holds at most (twostep nodes and raw jobs together). */
const PER_WORKER = 750;
/**
 * The workers' niceness: on a machine they share with the servers (a
 * bench's), dozens of busy follower processes would otherwise take most of
 * the CPU from the servers they measure, which in a fleet run elsewhere.
 */
const WORKER_NICENESS = 10;
const workerPath = fileURLToPath(new URL("./node-worker.js", import.meta.url));

type StartOptions<C> = Omit<C, "op" | "from" | "count">;

/**
 * How {@link NodePool.start} starts followers in waves, as a fleet boots
 * node by node rather than all at once: each wave starts `wave` followers
 * of each side together (both sides staged alike), at most `inFlight` of
 * each side starting at once over all workers, then waits `settleMs`
 * before the next.
 */
export interface Staging {
  readonly wave: number;
  readonly inFlight: number;
  readonly settleMs: number;
  /** Told after each wave: followers of each side running, the wave's seconds, and the restarts so far. */
  readonly onWave?: (running: number, seconds: number, restarts: Readonly<Record<Side, number>>) => void;
}

/**
 * Child processes holding the bench's followers (see `node-worker.ts`),
 * spread so that no process holds more than 750, run at a lower priority
 * than the servers ({@link WORKER_NICENESS}), started and told what to
 * run from here. Tells when the last follower of a side, over every
 * process, got a revision. {@link NodePool.stop} ends every process; so
 * does this process ending (they watch their IPC channel).
 */
export class NodePool {
  readonly #workers: { child: ChildProcess }[] = [];
  /** The workers that hold followers of each side, by index. */
  readonly #holding: Record<Side, Set<number>> = { twostep: new Set(), raw: new Set() };
  readonly #pending = new Map<string, { left: number; latest: number; waiters: ((at: number) => void)[] }>();
  readonly #ready: { side: Side; resolve: () => void; reject: (error: Error) => void; left: number }[] = [];
  readonly #expected: Record<Side, number> = { twostep: 0, raw: 0 };
  readonly #restarts: Record<Side, number> = { twostep: 0, raw: 0 };
  #failure: Error | undefined;

  /** Starts `twostep` nodes and `raw` jobs of the given options, all at once or in waves (`staging`); resolves once all run. */
  static async start(
    counts: { readonly twostep: number; readonly raw: number },
    options: { readonly twostep?: StartOptions<StartTwostep>; readonly raw?: StartOptions<StartRaw> },
    staging?: Staging,
  ): Promise<NodePool> {
    const pool = new NodePool();
    const total = counts.twostep + counts.raw;
    const workers = Math.max(1, Math.ceil(total / PER_WORKER));
    for (let index = 0; index < workers; index++) pool.#spawn();
    try {
      const wave = staging?.wave ?? Math.max(counts.twostep, counts.raw);
      const concurrency = staging === undefined ? undefined : Math.max(1, Math.ceil(staging.inFlight / workers));
      for (let from = 0; from < Math.max(counts.twostep, counts.raw); from += wave) {
        const started = Date.now();
        // Each worker gets its share of both sides, so that both pay for the same processes alike.
        const starts: Promise<void>[] = [];
        const paced = concurrency === undefined ? {} : { concurrency };
        const twostep = Math.min(wave, counts.twostep - from);
        const raw = Math.min(wave, counts.raw - from);
        if (twostep > 0 && options.twostep !== undefined)
          starts.push(pool.#startSide("twostep", from, twostep, { op: "twostep", ...options.twostep, ...paced }));
        if (raw > 0 && options.raw !== undefined) starts.push(pool.#startSide("raw", from, raw, { op: "raw", ...options.raw, ...paced }));
        await Promise.all(starts);
        staging?.onWave?.(Math.min(from + wave, Math.max(counts.twostep, counts.raw)), (Date.now() - started) / 1000, pool.#restarts);
        if (staging !== undefined && from + wave < Math.max(counts.twostep, counts.raw)) await new Promise((resolve) => setTimeout(resolve, staging.settleMs));
      }
      return pool;
    } catch (error) {
      await pool.stop();
      throw error;
    }
  }

  /** Followers of `side` started again after a failed start (a node that could not join, a watch not created), so far. */
  restarts(side: Side): number {
    return this.#restarts[side];
  }

  /** Followers of `side` running. */
  count(side: Side): number {
    return this.#expected[side];
  }

  /** When (ms since the epoch, sub-millisecond) the last follower of `side` got `revision`; rejects after `timeoutMs`. */
  reached(side: Side, revision: number, timeoutMs: number): Promise<number> {
    const entry = this.#entry(side, revision);
    if (entry.left === 0) return Promise.resolve(entry.latest);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `revision ${revision} reached every ${side} follower of ${this.#holding[side].size - entry.left} of ${this.#holding[side].size} workers in ${timeoutMs} ms`,
            ),
          ),
        timeoutMs,
      );
      entry.waiters.push((at) => {
        clearTimeout(timer);
        resolve(at);
      });
    });
  }

  /** Forgets what arrived of `revision` (after it was measured). */
  forget(side: Side, revision: number): void {
    this.#pending.delete(`${side} ${revision}`);
  }

  /** CPU time of every worker process together so far, user and system, in seconds. */
  cpuSeconds(): number {
    return this.#usages().reduce((sum, usage) => sum + usage.cpuSeconds, 0);
  }

  /** Resident memory of every worker process together, in bytes. */
  rssBytes(): number {
    return this.#usages().reduce((sum, usage) => sum + usage.rssBytes, 0);
  }

  #usages(): ProcessUsage[] {
    return this.#workers.flatMap(({ child }) => (child.pid === undefined ? [] : [processUsage(child.pid)]));
  }

  /** Stops every worker (they close their connections) and waits for them, killing those still there after 15 s. */
  async stop(): Promise<void> {
    await Promise.all(
      this.#workers.map(async ({ child }) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once("exit", resolve));
        try {
          child.send({ op: "stop" } satisfies WorkerCommand);
        } catch {
          child.kill("SIGKILL");
        }
        const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
        await exited;
        clearTimeout(killer);
      }),
    );
  }

  #spawn(): void {
    const child = fork(workerPath, [], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      env: { ...process.env, TWOSTEP_LOG_LEVEL: process.env["TWOSTEP_LOG_LEVEL"] ?? "error" },
    });
    const worker = { child };
    if (child.pid !== undefined) setPriority(child.pid, WORKER_NICENESS);
    this.#workers.push(worker);
    child.on("message", (message: WorkerReport) => this.#receive(message));
    child.on("exit", (code, signal) => {
      if (code !== 0 && signal !== "SIGKILL") this.#fail(new Error(`a bench worker exited (${signal ?? `code ${code}`})`));
    });
  }

  /** Starts followers `first` to `first + count - 1` of `side`, spread over the workers; resolves once all run. */
  async #startSide(side: Side, first: number, count: number, command: Omit<StartTwostep, "from" | "count"> | Omit<StartRaw, "from" | "count">): Promise<void> {
    if (this.#failure !== undefined) throw this.#failure;
    const share = Math.ceil(count / this.#workers.length);
    const ready = new Promise<void>((resolve, reject) => {
      this.#ready.push({ side, resolve, reject, left: Math.ceil(count / share) });
    });
    for (let index = 0, from = 0; from < count; index++, from += share) {
      this.#workers[index]!.child.send({ ...command, from: first + from, count: Math.min(share, count - from) } as WorkerCommand);
      this.#holding[side].add(index);
    }
    this.#expected[side] += count;
    await ready;
  }

  #entry(side: Side, revision: number): { left: number; latest: number; waiters: ((at: number) => void)[] } {
    const key = `${side} ${revision}`;
    let entry = this.#pending.get(key);
    if (entry === undefined) {
      entry = { left: this.#holding[side].size, latest: 0, waiters: [] };
      this.#pending.set(key, entry);
    }
    return entry;
  }

  #receive(message: WorkerReport): void {
    switch (message.op) {
      case "ready": {
        this.#restarts[message.side] += message.restarts;
        const waiting = this.#ready.find((entry) => entry.side === message.side);
        if (waiting !== undefined && --waiting.left === 0) {
          this.#ready.splice(this.#ready.indexOf(waiting), 1);
          waiting.resolve();
        }
        return;
      }
      case "arrived": {
        const entry = this.#entry(message.side, message.revision);
        entry.left--;
        entry.latest = Math.max(entry.latest, message.at);
        if (entry.left === 0) for (const waiter of entry.waiters.splice(0)) waiter(entry.latest);
        return;
      }
      case "failed":
        this.#fail(new Error(`a bench worker failed: ${message.message}`));
        return;
    }
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const waiting of this.#ready.splice(0)) waiting.reject(error);
  }
}
