import { spawn, type ChildProcess } from "node:child_process";
import { readdir, readFile, rm } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

/** What a {@link ServerProcess} runs, and the errors it raises in the words of that server. */
export interface ServerProcessOptions {
  readonly binary: string;
  /** The error when the binary is not installed (spawning it gave `ENOENT`). */
  readonly missing: (cause: Error) => Error;
  /** The error when the server cannot run or is not ready; `message` says what happened, what to check and ends with its last log lines. */
  readonly notReady: (message: string, cause?: unknown) => Error;
  /** What to check when the server is not ready, in a few words: `check the extra configuration and that the port is free`. */
  readonly advice: string;
  /** Called with each whole line the server prints (stdout and stderr), for servers that report their port in their log. */
  readonly onLine?: (line: string) => void;
  /** The temporary directory the server owns (config, store), removed by {@link ServerProcess.dispose}. Defaults to none. */
  readonly dir?: string;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * One child process of a test server at a time, started and stopped again
 * and again with the same binary: what the test kit's nats-server and
 * Prometheus harnesses run. Keeps the last lines of the server's log for the
 * errors it raises; a test run that dies without teardown still kills it.
 */
export class ServerProcess {
  readonly #options: ServerProcessOptions;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #log: string[] = [];
  #disposed = false;

  constructor(options: ServerProcessOptions) {
    this.#options = options;
  }

  /** The process id while the process runs (to read its CPU time and memory from `/proc`), else undefined. */
  get pid(): number | undefined {
    return this.alive ? this.#child?.pid : undefined;
  }

  /** True while the process runs. */
  get alive(): boolean {
    const child = this.#child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /**
   * Spawns the server with `args` and resolves once `ready` resolves. Throws
   * the `missing` error when the binary is not installed, the `notReady` one
   * when it exits first or `ready` throws, after making sure the process is
   * gone.
   */
  async start(args: readonly string[], ready: (child: ChildProcess) => Promise<void>): Promise<void> {
    const { binary, missing, notReady } = this.#options;
    this.#log = [];
    const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
    this.#child = child;
    installExitHook();
    running.add(child);
    const failed = new Promise<never>((_, reject) => {
      child.once("error", (error: NodeJS.ErrnoException) => {
        running.delete(child);
        reject(error.code === "ENOENT" ? missing(error) : notReady(`cannot run ${binary}: ${error.message}`, error));
      });
      child.once("exit", (code, signal) => {
        reject(this.notReady(`exited before it was ready (${signal ?? `code ${code}`})`));
      });
    });
    failed.catch(() => {});
    this.#exited = new Promise((resolve) => {
      child.once("close", () => {
        running.delete(child);
        resolve();
      });
      child.once("error", () => resolve());
    });
    for (const stream of [child.stdout, child.stderr]) {
      let partial = "";
      stream?.setEncoding("utf8");
      stream?.on("data", (chunk: string) => {
        const lines = (partial + chunk).split("\n");
        // A chunk may end in the middle of a line: keep that part for the next one.
        partial = lines.pop() ?? "";
        for (const line of lines) if (line.length > 0) this.#remember(line);
      });
    }
    try {
      await Promise.race([failed, ready(child)]);
    } catch (error) {
      await this.terminate();
      throw error;
    }
  }

  /**
   * Freezes the process (SIGSTOP) until {@link ServerProcess.resume}: it
   * keeps its sockets but answers nothing. Resolves once every thread of it
   * has stopped: the signal takes effect a moment after it is sent, and
   * until then the server may still answer a request sent after it (seen
   * on nats-server: an append acknowledged 1 ms after the signal).
   */
  async pause(): Promise<void> {
    const pid = this.pid;
    if (pid === undefined) return;
    this.#child?.kill("SIGSTOP");
    await pollUntil(
      async () => !this.alive || (await allThreadsStopped(pid)),
      Date.now() + 10_000,
      () => new Error(`process ${pid} did not stop within 10 s of SIGSTOP`),
    );
  }

  /** Lets a paused process run on (SIGCONT). */
  resume(): void {
    if (this.alive) this.#child?.kill("SIGCONT");
  }

  /** Stops the process (SIGTERM, then SIGKILL after 5 s) and waits for it to exit. Does nothing when none runs. */
  async terminate(): Promise<void> {
    const child = this.#child;
    if (child === undefined || !this.alive) {
      await this.#exited;
      return;
    }
    child.kill("SIGTERM");
    // A paused process acts on SIGTERM only once it runs again.
    child.kill("SIGCONT");
    const killer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await this.#exited;
    clearTimeout(killer);
  }

  /** True once {@link ServerProcess.dispose} was called: the server is gone for good. */
  get disposed(): boolean {
    return this.#disposed;
  }

  /** Stops the process for good (see {@link ServerProcess.terminate}) and removes its directory. Idempotent. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    await this.terminate();
    if (this.#options.dir !== undefined) await rm(this.#options.dir, { recursive: true, force: true });
  }

  /** The last `lines` lines of the server's log (at most 40 are kept). */
  logTail(lines: number): readonly string[] {
    return this.#log.slice(-lines);
  }

  /** The `notReady` error saying `what` happened, with the end of the server's log. */
  notReady(what: string): Error {
    const tail = this.#log.length === 0 ? "" : `\nlast lines of its log:\n${this.#log.slice(-15).join("\n")}`;
    return this.#options.notReady(`${this.#options.binary} ${what}: ${this.#options.advice}${tail}`);
  }

  #remember(line: string): void {
    this.#log.push(line);
    if (this.#log.length > 40) this.#log = this.#log.slice(-40);
    this.#options.onLine?.(line);
  }
}

/** Polls `check` every 20 ms until it is true; throws `onTimeout()` once `deadline` (ms since the epoch) has passed. */
export async function pollUntil(check: () => Promise<boolean>, deadline: number, onTimeout: () => Error): Promise<void> {
  while (!(await check())) {
    if (Date.now() > deadline) throw onTimeout();
    await sleep(20);
  }
}

/** True when every thread of `pid` is stopped (state `T` or `t` in /proc), or the process is gone. */
async function allThreadsStopped(pid: number): Promise<boolean> {
  try {
    const threads = await readdir(`/proc/${pid}/task`);
    for (const thread of threads) {
      const stat = await readFile(`/proc/${pid}/task/${thread}/stat`, "utf8");
      // `pid (comm) state ...`: the state follows the last ")", since comm may hold one.
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      if (state !== "T" && state !== "t") return false;
    }
    return true;
  } catch {
    // The process (or a thread) went away meanwhile.
    return !(await readdir(`/proc/${pid}`).then(
      () => true,
      () => false,
    ));
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A test run that dies without teardown must not leave servers behind.
  process.once("exit", () => {
    for (const child of running) child.kill("SIGKILL");
  });
}
