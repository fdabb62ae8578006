import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { processUsage } from "./process-usage.js";
import type { Side, StartRaw, StartTwostep, WorkerCommand, WorkerReport } from "./worker-protocol.js";

/** Followers one worker process holds at most (twostep nodes and raw jobs together). */
const PER_WORKER = 750;
const workerPath = fileURLToPath(new URL("./node-worker.js", import.meta.url));

type StartOptions<C> = Omit<C, "op" | "from" | "count">;

/**
 * Child processes holding the bench's followers (see `node-worker.ts`),
 * spread so that no process holds more than 750, started and told what to
 * run from here. Tells when the last follower of a side, over every
 * process, got a revision. {@link NodePool.stop} ends every process; so
 * does this process ending (they watch their IPC channel).
 */
export class NodePool {
  readonly #workers: { child: ChildProcess }[] = [];
  /** How many workers hold followers of each side. */
  readonly #holders: Record<Side, number> = { twostep: 0, raw: 0 };
  readonly #pending = new Map<string, { left: number; latest: number; waiters: ((at: number) => void)[] }>();
  readonly #ready: { side: Side; resolve: () => void; reject: (error: Error) => void; left: number }[] = [];
  readonly #expected: Record<Side, number> = { twostep: 0, raw: 0 };
  #failure: Error | undefined;

  /** Starts `twostep` nodes and `raw` jobs of the given options; resolves once all run. */
  static async start(
    counts: { readonly twostep: number; readonly raw: number },
    options: { readonly twostep?: StartOptions<StartTwostep>; readonly raw?: StartOptions<StartRaw> },
  ): Promise<NodePool> {
    const pool = new NodePool();
    const total = counts.twostep + counts.raw;
    const workers = Math.max(1, Math.ceil(total / PER_WORKER));
    for (let index = 0; index < workers; index++) pool.#spawn();
    try {
      // Each worker gets its share of both sides, so that both pay for the same processes alike.
      const starts: Promise<void>[] = [];
      if (counts.twostep > 0 && options.twostep !== undefined) starts.push(pool.#startSide("twostep", counts.twostep, { op: "twostep", ...options.twostep }));
      if (counts.raw > 0 && options.raw !== undefined) starts.push(pool.#startSide("raw", counts.raw, { op: "raw", ...options.raw }));
      await Promise.all(starts);
      return pool;
    } catch (error) {
      await pool.stop();
      throw error;
    }
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
              `revision ${revision} reached every ${side} follower of ${this.#holders[side] - entry.left} of ${this.#holders[side]} workers in ${timeoutMs} ms`,
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

  /** Resident memory of every worker process together, in bytes. */
  rssBytes(): number {
    return this.#workers.reduce((sum, worker) => sum + (worker.child.pid === undefined ? 0 : processUsage(worker.child.pid).rssBytes), 0);
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
    this.#workers.push(worker);
    child.on("message", (message: WorkerReport) => this.#receive(message));
    child.on("exit", (code, signal) => {
      if (code !== 0 && signal !== "SIGKILL") this.#fail(new Error(`a bench worker exited (${signal ?? `code ${code}`})`));
    });
  }

  async #startSide(side: Side, count: number, command: Omit<StartTwostep, "from" | "count"> | Omit<StartRaw, "from" | "count">): Promise<void> {
    const share = Math.ceil(count / this.#workers.length);
    const ready = new Promise<void>((resolve, reject) => {
      this.#ready.push({ side, resolve, reject, left: Math.ceil(count / share) });
    });
    for (let index = 0, from = 0; from < count; index++, from += share) {
      this.#workers[index]!.child.send({ ...command, from, count: Math.min(share, count - from) } as WorkerCommand);
      this.#holders[side]++;
    }
    this.#expected[side] = count;
    await ready;
  }

  #entry(side: Side, revision: number): { left: number; latest: number; waiters: ((at: number) => void)[] } {
    const key = `${side} ${revision}`;
    let entry = this.#pending.get(key);
    if (entry === undefined) {
      entry = { left: this.#holders[side], latest: 0, waiters: [] };
      this.#pending.set(key, entry);
    }
    return entry;
  }

  #receive(message: WorkerReport): void {
    switch (message.op) {
      case "ready": {
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
