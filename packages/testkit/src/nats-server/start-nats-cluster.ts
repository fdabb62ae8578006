import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { clusterReadiness } from "./cluster-readiness.js";
import { NatsServerError, NatsServerErrorCode } from "./nats-server-error.js";
import { pollUntil, type ServerProcess } from "../server-process/server-process.js";
import { natsProcess } from "./nats-process.js";
import { answers } from "./probes.js";

/** Options of {@link startNatsCluster}. */
export interface NatsClusterOptions {
  /** How many servers. Defaults to 3 (JetStream replicas 3 need three). */
  readonly size?: number;
  /** The binary to run. Defaults to `$NATS_SERVER_BIN`, else `nats-server` on the PATH. */
  readonly binary?: string;
  /** How long {@link startNatsCluster} and {@link NatsClusterServer.restart} wait for the cluster to be ready. Defaults to 30 s. */
  readonly readyTimeoutMs?: number;
}

/** One server of a {@link NatsCluster}. */
export interface NatsClusterServer {
  /** Its `server_name`, `n1`, `n2`, ...: what JetStream names as a stream's leader or replica. */
  readonly name: string;
  /** `nats://127.0.0.1:PORT`: connect here to reach this server only. */
  readonly url: string;
  readonly port: number;
  /** The port of its route listener. */
  readonly clusterPort: number;
  /** The port of its monitoring listener (`/healthz`, `/jsz`, `/varz`). */
  readonly monitorPort: number;
  /** Its JetStream store directory, kept across {@link NatsClusterServer.stop} and {@link NatsClusterServer.restart}. */
  readonly storeDir: string;
  /** True while its process runs. */
  readonly running: boolean;
  /** Its process id while it runs (to read its CPU time and memory from `/proc`), else undefined; a restart changes it. */
  readonly pid: number | undefined;
  /** Stops this server (SIGTERM, then SIGKILL after 5 s) and waits for it to exit; its ports and store stay for {@link NatsClusterServer.restart}. */
  stop(): Promise<void>;
  /**
   * Freezes this server (SIGSTOP): its connections stay open but it answers
   * nothing, so its replicas fall behind, until {@link NatsClusterServer.resume}.
   * Resolves once it has stopped.
   */
  pause(): Promise<void>;
  /** Lets a paused server run on (SIGCONT); its replicas then catch up. */
  resume(): void;
  /**
   * Starts this server again (stopping it first if it runs) on the same
   * ports with the same store; resolves once the running servers are ready
   * as {@link startNatsCluster} says: this one is back in the JetStream meta
   * group and current with it, and streams can be placed on every running
   * server again. Its replicas of existing streams may still be catching up
   * then: a test that reads through it alone waits for them (stream info
   * shows each replica's `current` and `lag`).
   */
  restart(): Promise<void>;
}

/** A cluster of nats-servers started for a test; stop it in `afterAll`/`afterEach`, or hold it with `await using`. */
export interface NatsCluster extends AsyncDisposable {
  readonly servers: readonly NatsClusterServer[];
  /** The client URL of every server: give them all to a client so that it fails over. */
  readonly urls: readonly string[];
  /** The server named `name` (`n1`, ...); throws when there is none. */
  server(name: string): NatsClusterServer;
  /** Stops every server, waits for them to exit and removes the temporary directory. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts a cluster of real `nats-server`s on 127.0.0.1 with JetStream in
 * clustered mode: each server gets a config file (`server_name` `n1`...,
 * client, route and monitoring ports picked free by binding port 0, routes
 * to every server, its own store). Resolves once JetStream is ready for
 * streams of up to `size` replicas (at most 5), checked through each
 * server's monitoring endpoint: every server's `/healthz?js-server-only=true`
 * is ok (it has a meta leader and is current with it), the meta leader's
 * `/jsz?leader-only=true` counts all the servers and shows every peer
 * current and online, and a probe stream of `size` replicas is created and
 * deleted (the only proof, on nats-server 2.9.10, that the leader has what
 * placement needs from every peer). Throws a {@link NatsServerError} like
 * {@link startNatsServer}, with what was not ready when the cluster was not
 * ready within `readyTimeoutMs`.
 */
export async function startNatsCluster(options: NatsClusterOptions = {}): Promise<NatsCluster> {
  const size = options.size ?? 3;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`cluster size ${size} is not a whole number of 1 or more`);
  const dir = await mkdtemp(join(tmpdir(), "twostep-nats-cluster-"));
  const cluster = new TestNatsCluster(dir, options.readyTimeoutMs ?? 30_000);
  try {
    const ports = await freePorts(size * 3);
    const clusterPorts = ports.slice(size, size * 2);
    const monitorPorts = ports.slice(size * 2);
    const routes = clusterPorts.map((port) => `"nats-route://127.0.0.1:${port}"`).join(", ");
    const setup = { binary: options.binary ?? process.env["NATS_SERVER_BIN"] ?? "nats-server", readyTimeoutMs: cluster.readyTimeoutMs };
    for (let index = 0; index < size; index++) {
      const name = `n${index + 1}`;
      const storeDir = join(dir, name);
      await mkdir(storeDir);
      const configFile = join(dir, `${name}.conf`);
      const port = ports[index] ?? 0;
      const clusterPort = clusterPorts[index] ?? 0;
      const monitorPort = monitorPorts[index] ?? 0;
      await writeFile(configFile, serverConfig({ name, port, clusterPort, monitorPort, storeDir, routes }));
      cluster.add(new ClusterMember(cluster, { ...setup, name, port, clusterPort, monitorPort, storeDir, configFile }));
    }
    // A clustered JetStream elects its meta leader only once a quorum runs: start them all, then wait.
    const deadline = Date.now() + cluster.readyTimeoutMs;
    await Promise.all(cluster.members.map((member) => member.start(deadline)));
    await cluster.waitUntilReady(deadline);
    return cluster;
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}

function serverConfig(server: { name: string; port: number; clusterPort: number; monitorPort: number; storeDir: string; routes: string }): string {
  return [
    `server_name: ${server.name}`,
    `listen: 127.0.0.1:${server.port}`,
    `http: 127.0.0.1:${server.monitorPort}`,
    `jetstream { store_dir: ${JSON.stringify(server.storeDir)} }`,
    `cluster {`,
    `  name: twostep`,
    `  listen: 127.0.0.1:${server.clusterPort}`,
    `  routes: [${server.routes}]`,
    `}`,
    "",
  ].join("\n");
}

/** `count` distinct ports that were free a moment ago: all bound at once to port 0, then released. */
async function freePorts(count: number): Promise<number[]> {
  const listeners: Server[] = [];
  try {
    for (let index = 0; index < count; index++) {
      const listener = createServer();
      listeners.push(listener);
      await new Promise<void>((resolve, reject) => {
        listener.once("error", reject);
        listener.listen(0, "127.0.0.1", () => resolve());
      });
    }
    return listeners.map((listener) => {
      const address = listener.address();
      if (address === null || typeof address === "string") throw new Error("a TCP listener has no port");
      return address.port;
    });
  } finally {
    await Promise.all(listeners.map((listener) => new Promise((resolve) => listener.close(resolve))));
  }
}

interface MemberSetup {
  readonly binary: string;
  readonly readyTimeoutMs: number;
  readonly name: string;
  readonly port: number;
  readonly clusterPort: number;
  readonly monitorPort: number;
  readonly storeDir: string;
  readonly configFile: string;
}

class ClusterMember implements NatsClusterServer {
  readonly #cluster: TestNatsCluster;
  readonly #setup: MemberSetup;
  readonly #process: ServerProcess;

  constructor(cluster: TestNatsCluster, setup: MemberSetup) {
    this.#cluster = cluster;
    this.#setup = setup;
    this.#process = natsProcess(setup.binary);
  }

  get name(): string {
    return this.#setup.name;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.#setup.port}`;
  }

  get port(): number {
    return this.#setup.port;
  }

  get clusterPort(): number {
    return this.#setup.clusterPort;
  }

  get monitorPort(): number {
    return this.#setup.monitorPort;
  }

  get storeDir(): string {
    return this.#setup.storeDir;
  }

  get running(): boolean {
    return this.#process.alive;
  }

  get pid(): number | undefined {
    return this.#process.pid;
  }

  /** Spawns the server and waits until it answers a client, by `deadline` (ms since the epoch). */
  async start(deadline: number): Promise<void> {
    await this.#process.start(["-c", this.#setup.configFile], async () => {
      await pollUntil(
        () => answers(this.port),
        deadline,
        () => this.#process.notReady(`${this.name} did not answer on port ${this.port} within ${this.#setup.readyTimeoutMs} ms`),
      );
    });
  }

  async stop(): Promise<void> {
    await this.#process.terminate();
  }

  pause(): Promise<void> {
    return this.#process.pause();
  }

  resume(): void {
    this.#process.resume();
  }

  async restart(): Promise<void> {
    await this.#process.terminate();
    const deadline = Date.now() + this.#setup.readyTimeoutMs;
    await this.start(deadline);
    await this.#cluster.waitUntilReady(deadline);
  }

  /** The last `lines` lines of its log. */
  logTail(lines: number): readonly string[] {
    return this.#process.logTail(lines);
  }
}

class TestNatsCluster implements NatsCluster {
  readonly members: ClusterMember[] = [];
  readonly readyTimeoutMs: number;
  readonly #dir: string;
  #stopped = false;

  constructor(dir: string, readyTimeoutMs: number) {
    this.#dir = dir;
    this.readyTimeoutMs = readyTimeoutMs;
  }

  get servers(): readonly NatsClusterServer[] {
    return this.members;
  }

  get urls(): readonly string[] {
    return this.members.map((member) => member.url);
  }

  add(member: ClusterMember): void {
    this.members.push(member);
  }

  server(name: string): NatsClusterServer {
    const member = this.members.find((candidate) => candidate.name === name);
    if (member === undefined) {
      throw new RangeError(`no server ${name} in this cluster (it has ${this.members.map((each) => each.name).join(", ")})`);
    }
    return member;
  }

  /** Polls {@link clusterReadiness} over the running members until it is ready; by `deadline` (ms since the epoch), else throws what is not ready. */
  async waitUntilReady(deadline: number): Promise<void> {
    let reason: string | undefined = "not probed yet";
    for (;;) {
      const running = this.members.filter((member) => member.running);
      reason = await clusterReadiness(running, this.members.length);
      if (reason === undefined) return;
      if (Date.now() > deadline) break;
      await sleep(50);
    }
    const logs = this.members.map((member) => `${member.name}:\n${member.logTail(5).join("\n")}`).join("\n");
    throw new NatsServerError(
      NatsServerErrorCode.NotReady,
      `the JetStream of the nats-server cluster was not ready within ${this.readyTimeoutMs} ms: ${reason}. ` +
        `Raise readyTimeoutMs on a slow machine; the last lines of each server's log:\n${logs}`,
    );
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await Promise.all(this.members.map((member) => member.stop()));
    await rm(this.#dir, { recursive: true, force: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
