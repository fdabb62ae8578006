import type { ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { NatsServerError, NatsServerErrorCode } from "./nats-server-error.js";
import { pollUntil, type ServerProcess } from "../server-process/server-process.js";
import { natsProcess } from "./nats-process.js";
import { answers } from "./probes.js";

/** Options of {@link startNatsServer}. */
export interface NatsServerOptions {
  /**
   * Extra nats-server configuration (users, permissions, accounts), written
   * to a temporary file and passed with `-c`. Listen address, port, JetStream
   * and its store directory are set on the command line and win over it.
   * With `accounts`, give each account that uses the control plane
   * `jetstream: enabled`.
   */
  readonly config?: string;
  /** The binary to run. Defaults to `$NATS_SERVER_BIN`, else `nats-server` on the PATH. */
  readonly binary?: string;
  /** How long to wait for the server to answer. Defaults to 10 s. */
  readonly readyTimeoutMs?: number;
}

/** A nats-server started for a test; stop it in `afterEach`/`afterAll`, or hold it with `await using`. */
export interface NatsServer extends AsyncDisposable {
  /** `nats://127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  /** The JetStream store directory; it survives {@link NatsServer.restart}. */
  readonly storeDir: string;
  /** The server's process id while it runs (to read its CPU time and memory from `/proc`), else undefined; a restart changes it. */
  readonly pid: number | undefined;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s), waits for it to exit and removes its temporary directory. Idempotent. */
  stop(): Promise<void>;
  /** Stops the server and starts it again on the same port with the same store, so JetStream state survives. */
  restart(): Promise<void>;
  /**
   * Freezes the server (SIGSTOP): connections stay open but nothing is
   * answered, as with a hung server, until {@link NatsServer.resume}.
   * Resolves once it has stopped, so that nothing sent after is answered.
   */
  pause(): Promise<void>;
  /** Lets a paused server run on (SIGCONT). */
  resume(): void;
}

/**
 * Starts a real `nats-server` for a test: on 127.0.0.1 with a port the OS
 * picks (`-p -1`, read back from the ports file), JetStream on in a fresh
 * temporary store directory, and the optional extra configuration. Resolves
 * once the server answers a client connection with its INFO line. Throws a
 * {@link NatsServerError} with code `NATS_SERVER_MISSING` when the binary is
 * not installed, `NATS_SERVER_NOT_READY` when it exits or stays silent.
 */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const dir = await mkdtemp(join(tmpdir(), "twostep-nats-"));
  try {
    const storeDir = join(dir, "store");
    const portsDir = join(dir, "ports");
    await Promise.all([mkdir(storeDir), mkdir(portsDir)]);
    let configFile: string | undefined;
    if (options.config !== undefined) {
      configFile = join(dir, "nats-server.conf");
      await writeFile(configFile, options.config);
    }
    const server = new TestNatsServer({
      binary: options.binary ?? process.env["NATS_SERVER_BIN"] ?? "nats-server",
      readyTimeoutMs: options.readyTimeoutMs ?? 10_000,
      dir,
      storeDir,
      portsDir,
      configFile,
    });
    await server.start();
    return server;
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

interface Setup {
  readonly binary: string;
  readonly readyTimeoutMs: number;
  readonly dir: string;
  readonly storeDir: string;
  readonly portsDir: string;
  readonly configFile: string | undefined;
}

class TestNatsServer implements NatsServer {
  readonly #setup: Setup;
  readonly #process: ServerProcess;
  #port = -1;

  constructor(setup: Setup) {
    this.#setup = setup;
    this.#process = natsProcess(setup.binary, setup.dir);
  }

  get url(): string {
    return `nats://127.0.0.1:${this.#port}`;
  }

  get port(): number {
    return this.#port;
  }

  get storeDir(): string {
    return this.#setup.storeDir;
  }

  get pid(): number | undefined {
    return this.#process.pid;
  }

  async start(): Promise<void> {
    const { readyTimeoutMs, storeDir, portsDir, configFile } = this.#setup;
    const args = ["-a", "127.0.0.1", "-p", String(this.#port), "--ports_file_dir", portsDir, "-js", "-sd", storeDir];
    if (configFile !== undefined) args.push("-c", configFile);
    const deadline = Date.now() + readyTimeoutMs;
    await this.#process.start(args, async (child) => {
      if (this.#port === -1) this.#port = await this.#readPortsFile(child, deadline);
      await pollUntil(
        () => answers(this.#port),
        deadline,
        () => this.#process.notReady(`did not answer on port ${this.#port} within ${readyTimeoutMs} ms`),
      );
    });
  }

  async stop(): Promise<void> {
    await this.#process.dispose();
  }

  async restart(): Promise<void> {
    if (this.#process.disposed) throw new NatsServerError(NatsServerErrorCode.NotReady, "this nats-server was stopped: start a new one with startNatsServer()");
    await this.#process.terminate();
    await this.start();
  }

  pause(): Promise<void> {
    return this.#process.pause();
  }

  resume(): void {
    this.#process.resume();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  async #readPortsFile(child: ChildProcess, deadline: number): Promise<number> {
    const suffix = `_${child.pid}.ports`;
    for (;;) {
      const name = (await readdir(this.#setup.portsDir)).find((file) => file.endsWith(suffix));
      if (name !== undefined) {
        const text = await readFile(join(this.#setup.portsDir, name), "utf8");
        // The server writes the file in one go, but a read can still catch it half-written.
        const url = parsePortsFile(text);
        if (url !== undefined) return Number(url.port);
      }
      if (Date.now() > deadline) throw this.#process.notReady(`wrote no ports file within ${this.#setup.readyTimeoutMs} ms`);
      await sleep(20);
    }
  }
}

function parsePortsFile(text: string): URL | undefined {
  try {
    const ports = JSON.parse(text) as { nats?: unknown };
    const first = Array.isArray(ports.nats) ? ports.nats[0] : undefined;
    return typeof first === "string" ? new URL(first) : undefined;
  } catch {
    return undefined;
  }
}
