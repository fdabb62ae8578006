import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { spawnNode, type NodeChild } from "./child-process.js";
import type { BuildName } from "./order-builds.js";

/** Frames counted per version, keyed by the version as a string (`"2"`). */
export type VersionCounts = Readonly<Record<string, number>>;

/** One JSON line of a service's stats (see `runService`): what it counted since it started. */
export interface ServiceStats {
  readonly node: string;
  readonly build: string;
  readonly event: "joined" | "stats" | "stopped";
  /** The consumer's frames decoded, by the version on the wire. */
  readonly decoded?: VersionCounts;
  readonly deadLetters?: number;
  /** The producer's frames written, by version. */
  readonly written?: VersionCounts;
  /** The producer's orders that could not be encoded. */
  readonly failed?: number;
}

/** Options of {@link ServiceProcess.start}. */
export interface ServiceProcessOptions {
  readonly service: "consumer" | "producer";
  readonly id: string;
  readonly build: BuildName;
  /** The environment of the child: `TWOSTEP_NATS_URL` and `TWOSTEP_NATS_PREFIX` say where the fleet is. */
  readonly env: NodeJS.ProcessEnv;
  /** Receives each line the service logs on stderr. */
  readonly onLog: (line: string) => void;
  /** How long to wait for the service to join. Defaults to 15 s. */
  readonly timeoutMs?: number;
}

const distDir = fileURLToPath(new URL(".", import.meta.url));

/**
 * A consumer or producer of the example running as a child process, followed
 * through the JSON lines of stats it prints.
 */
export class ServiceProcess {
  readonly id: string;
  readonly build: BuildName;
  readonly #child: NodeChild;
  #last: ServiceStats | undefined;
  #waiters: ((stats: ServiceStats) => void)[] = [];
  #exitCode: number | null | undefined;

  private constructor(options: ServiceProcessOptions, child: NodeChild) {
    this.id = options.id;
    this.build = options.build;
    this.#child = child;
    void child.exited.then((code) => {
      this.#exitCode = code;
    });
    createInterface({ input: child.process.stdout }).on("line", (line) => {
      const stats = parseStats(line);
      if (stats === undefined) {
        options.onLog(line);
        return;
      }
      this.#last = stats;
      for (const waiter of this.#waiters.splice(0)) waiter(stats);
    });
    createInterface({ input: child.process.stderr }).on("line", options.onLog);
  }

  /** The command line that starts it, relative to the repository, as a tutorial shows it. */
  static commandLine(options: Pick<ServiceProcessOptions, "service" | "id" | "build">): string {
    return `node examples/orders/dist/${options.service}.js --id ${options.id} --build ${options.build}`;
  }

  /**
   * Starts the service and resolves once it has joined the fleet (its first
   * stats line). Throws when it exits first (its stderr, such as the join
   * guard's refusal, went to `onLog`) or does not join in time (it is then killed).
   */
  static async start(options: ServiceProcessOptions): Promise<ServiceProcess> {
    const args = [`${distDir}${options.service}.js`, "--id", options.id, "--build", options.build];
    const service = new ServiceProcess(options, spawnNode(args, options.env));
    const timeoutMs = options.timeoutMs ?? 15_000;
    const joined = await Promise.race([service.next(timeoutMs).then(() => true), service.#child.exited.then(() => false)]).catch(() => false);
    if (!joined) {
      service.kill();
      const code = await service.#child.exited;
      throw new Error(`${options.id} did not join the fleet (${code === null ? `no stats within ${timeoutMs} ms` : `exit code ${code}`})`);
    }
    return service;
  }

  /** Its process id. */
  get pid(): number | undefined {
    return this.#child.process.pid;
  }

  /** The last stats it printed. */
  get last(): ServiceStats | undefined {
    return this.#last;
  }

  /** The next stats line it prints (they come every second). Rejects after `timeoutMs`, or when it exits first. */
  next(timeoutMs = 5_000): Promise<ServiceStats> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.id} printed no stats within ${timeoutMs} ms`)), timeoutMs);
      this.#waiters.push((stats) => {
        clearTimeout(timer);
        resolve(stats);
      });
      void this.#child.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${this.id} exited (${code === null ? "killed" : `exit code ${code}`})`));
      });
    });
  }

  /**
   * Stops it with SIGTERM and waits for it to leave the fleet and exit;
   * resolves with its exit code and last stats. Kills it when it takes longer
   * than `timeoutMs`.
   */
  async stop(timeoutMs = 10_000): Promise<{ code: number | null; stats: ServiceStats | undefined }> {
    if (this.#exitCode === undefined) {
      this.#child.process.kill("SIGTERM");
      const timer = setTimeout(() => this.kill(), timeoutMs);
      await this.#child.exited;
      clearTimeout(timer);
    }
    return { code: this.#exitCode ?? null, stats: this.#last };
  }

  /** Kills it at once (SIGKILL), when a rollout fails. */
  kill(): void {
    if (this.#exitCode === undefined) this.#child.process.kill("SIGKILL");
  }
}

function parseStats(line: string): ServiceStats | undefined {
  try {
    const value = JSON.parse(line) as Partial<ServiceStats> | null;
    return typeof value === "object" && value !== null && typeof value.node === "string" && typeof value.event === "string"
      ? (value as ServiceStats)
      : undefined;
  } catch {
    return undefined;
  }
}
