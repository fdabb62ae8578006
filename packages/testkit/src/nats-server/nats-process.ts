import { spawn, type ChildProcess } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { NatsServerError, NatsServerErrorCode } from "./nats-server-error.js";

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * One `nats-server` child process at a time, started and stopped again and
 * again with the same binary: what {@link startNatsServer} and each member of
 * {@link startNatsCluster} run. Keeps the last lines of the server's log for
 * the errors it raises.
 */
export class NatsProcess {
  readonly #binary: string;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #log: string[] = [];

  constructor(binary: string) {
    this.#binary = binary;
  }

  /** True while the process runs. */
  get alive(): boolean {
    const child = this.#child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /**
   * Spawns the server with `args` and resolves once `ready` resolves. Throws
   * a {@link NatsServerError} (`NATS_SERVER_MISSING` when the binary is not
   * installed, `NATS_SERVER_NOT_READY` when it exits first or `ready`
   * throws) after making sure the process is gone.
   */
  async start(args: readonly string[], ready: (child: ChildProcess) => Promise<void>): Promise<void> {
    const binary = this.#binary;
    this.#log = [];
    const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
    this.#child = child;
    installExitHook();
    running.add(child);
    const failed = new Promise<never>((_, reject) => {
      child.once("error", (error: NodeJS.ErrnoException) => {
        running.delete(child);
        reject(
          error.code === "ENOENT"
            ? new NatsServerError(
                NatsServerErrorCode.Missing,
                `${binary} is not installed (not found on the PATH): install it with \`apt-get install nats-server\` ` +
                  `(Debian, 2.9.x), or point NATS_SERVER_BIN at a nats-server binary`,
                { cause: error },
              )
            : new NatsServerError(NatsServerErrorCode.NotReady, `cannot run ${binary}: ${error.message}`, { cause: error }),
        );
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
      stream?.setEncoding("utf8");
      stream?.on("data", (chunk: string) => this.#remember(chunk));
    }
    try {
      await Promise.race([failed, ready(child)]);
    } catch (error) {
      await this.terminate();
      throw error;
    }
  }

  /** Stops the process (SIGTERM, then SIGKILL after 5 s) and waits for it to exit. Does nothing when none runs. */
  async terminate(): Promise<void> {
    const child = this.#child;
    if (child === undefined || !this.alive) {
      await this.#exited;
      return;
    }
    child.kill("SIGTERM");
    const killer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await this.#exited;
    clearTimeout(killer);
  }

  /** The last `lines` lines of the server's log (at most 40 are kept). */
  logTail(lines: number): readonly string[] {
    return this.#log.slice(-lines);
  }

  /** A `NATS_SERVER_NOT_READY` error saying `what` happened, with the end of the server's log. */
  notReady(what: string): NatsServerError {
    const tail = this.#log.length === 0 ? "" : `\nlast lines of its log:\n${this.logTail(15).join("\n")}`;
    return new NatsServerError(NatsServerErrorCode.NotReady, `${this.#binary} ${what}: check the extra configuration and that the port is free${tail}`);
  }

  #remember(chunk: string): void {
    this.#log.push(...chunk.split("\n").filter((line) => line.length > 0));
    if (this.#log.length > 40) this.#log = this.#log.slice(-40);
  }
}

/** Polls `check` every 20 ms until it is true; throws `onTimeout()` once `deadline` (ms since the epoch) has passed. */
export async function pollUntil(check: () => Promise<boolean>, deadline: number, onTimeout: () => Error): Promise<void> {
  while (!(await check())) {
    if (Date.now() > deadline) throw onTimeout();
    await sleep(20);
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
