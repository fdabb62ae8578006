import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pollUntil, type ServerProcess } from "../server-process/server-process.js";
import { natsProcess } from "./nats-process.js";
import { answers, jetStreamAnswers } from "./probes.js";

/** Options of {@link startNatsCluster}. */
export interface NatsClusterOptions {
  /** How many servers. Defaults to 3 (JetStream replicas 3 need three). */
  readonly size?: number;
  /** The binary to run. Defaults to `$NATS_SERVER_BIN`, else `nats-server` on the PATH. */
  readonly binary?: string;
  /** How long to wait for all servers to answer and JetStream to elect its meta leader. Defaults to 30 s. */
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
  /** Its JetStream store directory, kept across {@link NatsClusterServer.stop} and {@link NatsClusterServer.restart}. */
  readonly storeDir: string;
  /** True while its process runs. */
  readonly running: boolean;
  /** Stops this server (SIGTERM, then SIGKILL after 5 s) and waits for it to exit; its ports and store stay for {@link NatsClusterServer.restart}. */
  stop(): Promise<void>;
  /**
   * Freezes this server (SIGSTOP): its connections stay open but it answers
   * nothing, so its replicas fall behind, until {@link NatsClusterServer.resume}.
   */
  pause(): void;
  /** Lets a paused server run on (SIGCONT); its replicas then catch up. */
  resume(): void;
  /**
   * Starts this server again (stopping it first if it runs) on the same
   * ports with the same store; resolves once it answers and JetStream
   * answers through it. It may still be catching up on streams then.
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
 * client and route ports picked free by binding port 0, routes to every
 * server, its own store). Resolves once every server answers and JetStream
 * answers `$JS.API.INFO` through each of them (a meta leader is elected).
 * Throws a {@link NatsServerError} like {@link startNatsServer}.
 */
export async function startNatsCluster(options: NatsClusterOptions = {}): Promise<NatsCluster> {
  const size = options.size ?? 3;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`cluster size ${size} is not a whole number of 1 or more`);
  const dir = await mkdtemp(join(tmpdir(), "twostep-nats-cluster-"));
  const cluster = new TestNatsCluster(dir);
  try {
    const ports = await freePorts(size * 2);
    const clusterPorts = ports.slice(size);
    const routes = clusterPorts.map((port) => `"nats-route://127.0.0.1:${port}"`).join(", ");
    const setup = { binary: options.binary ?? process.env["NATS_SERVER_BIN"] ?? "nats-server", readyTimeoutMs: options.readyTimeoutMs ?? 30_000 };
    for (let index = 0; index < size; index++) {
      const name = `n${index + 1}`;
      const storeDir = join(dir, name);
      await mkdir(storeDir);
      const configFile = join(dir, `${name}.conf`);
      const port = ports[index] ?? 0;
      const clusterPort = clusterPorts[index] ?? 0;
      await writeFile(configFile, serverConfig({ name, port, clusterPort, storeDir, routes }));
      cluster.add(new ClusterMember({ ...setup, name, port, clusterPort, storeDir, configFile }));
    }
    // A clustered JetStream elects its meta leader only once a quorum runs: start them all, then wait.
    await Promise.all(cluster.members.map((member) => member.start(false)));
    await Promise.all(cluster.members.map((member) => member.waitForJetStream()));
    return cluster;
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}

function serverConfig(server: { name: string; port: number; clusterPort: number; storeDir: string; routes: string }): string {
  return [
    `server_name: ${server.name}`,
    `listen: 127.0.0.1:${server.port}`,
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
  readonly storeDir: string;
  readonly configFile: string;
}

class ClusterMember implements NatsClusterServer {
  readonly #setup: MemberSetup;
  readonly #process: ServerProcess;

  constructor(setup: MemberSetup) {
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

  get storeDir(): string {
    return this.#setup.storeDir;
  }

  get running(): boolean {
    return this.#process.alive;
  }

  /** Spawns the server and waits until it answers; with `jetStream`, also until JetStream answers through it. */
  async start(jetStream: boolean): Promise<void> {
    const deadline = Date.now() + this.#setup.readyTimeoutMs;
    await this.#process.start(["-c", this.#setup.configFile], async () => {
      await pollUntil(
        () => answers(this.port),
        deadline,
        () => this.#process.notReady(`${this.name} did not answer on port ${this.port} in time`),
      );
      if (jetStream) await this.#waitForJetStream(deadline);
    });
  }

  /** Waits until JetStream answers through this server. */
  async waitForJetStream(): Promise<void> {
    await this.#waitForJetStream(Date.now() + this.#setup.readyTimeoutMs);
  }

  async stop(): Promise<void> {
    await this.#process.terminate();
  }

  pause(): void {
    this.#process.pause();
  }

  resume(): void {
    this.#process.resume();
  }

  async restart(): Promise<void> {
    await this.#process.terminate();
    await this.start(true);
  }

  async #waitForJetStream(deadline: number): Promise<void> {
    await pollUntil(
      () => jetStreamAnswers(this.port),
      deadline,
      () => this.#process.notReady(`${this.name}: JetStream elected no meta leader within ${this.#setup.readyTimeoutMs} ms`),
    );
  }
}

class TestNatsCluster implements NatsCluster {
  readonly members: ClusterMember[] = [];
  readonly #dir: string;
  #stopped = false;

  constructor(dir: string) {
    this.#dir = dir;
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
