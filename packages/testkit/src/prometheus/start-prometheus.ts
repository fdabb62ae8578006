import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pollUntil, ServerProcess } from "../server-process/server-process.js";
import { type ActiveTarget, activeTargets, answersReady, instantQuery, type PrometheusSample } from "./prometheus-api.js";
import { PrometheusError, PrometheusErrorCode } from "./prometheus-error.js";

/** A scrape target with labels of its own. */
export interface ScrapeTarget {
  /** `host:port`, such as `127.0.0.1:9464`. */
  readonly address: string;
  /** Labels Prometheus attaches to every series scraped from it, such as `{ node: "n1" }`. Defaults to none. */
  readonly labels?: Readonly<Record<string, string>>;
}

/** Options of {@link startPrometheus}. */
export interface PrometheusOptions {
  /** What to scrape: `host:port` of each target, or a {@link ScrapeTarget}. All of them make one job, `twostep`. */
  readonly scrapeTargets: readonly (string | ScrapeTarget)[];
  /** How often each target is scraped. Defaults to 1 s. */
  readonly scrapeIntervalMs?: number;
  /** Where the targets serve their metrics. Defaults to `/metrics`. */
  readonly metricsPath?: string;
  /** The binary to run. Defaults to `$PROMETHEUS_BIN`, else `prometheus` on the PATH. */
  readonly binary?: string;
  /** How long to wait for the server to be ready and to have scraped every target once (and for {@link PrometheusServer.nextScrape}). Defaults to 30 s. */
  readonly readyTimeoutMs?: number;
}

/** A Prometheus server started for a test; stop it in `afterEach`/`afterAll`, or hold it with `await using`. */
export interface PrometheusServer extends AsyncDisposable {
  /** `http://127.0.0.1:PORT`: the HTTP API and what a `prometheus` rollout gate names as its `url`. */
  readonly url: string;
  readonly port: number;
  /** Its temporary TSDB directory, removed by {@link PrometheusServer.stop}. */
  readonly storageDir: string;
  /** Runs an instant query through the HTTP API; throws a `PROMETHEUS_QUERY_FAILED` {@link PrometheusError} when it is refused. */
  query(query: string): Promise<readonly PrometheusSample[]>;
  /**
   * Resolves once every target has been scraped again, successfully, after
   * this call, and what that scrape gave can be queried: the way to wait for
   * what a test just did to show, instead of sleeping. Throws a
   * `PROMETHEUS_NOT_READY` {@link PrometheusError} naming the targets that
   * are down when that takes longer than `readyTimeoutMs`.
   */
  nextScrape(): Promise<void>;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s), waits for it to exit and removes its temporary directory. Idempotent. */
  stop(): Promise<void>;
}

/** The scrape job of every target. */
const JOB = "twostep";

/**
 * Starts a real `prometheus` for a test: on 127.0.0.1 with a port the OS
 * picks (read back from its log), a fresh temporary TSDB directory and a
 * generated configuration with one job, `twostep`, scraping `scrapeTargets`
 * every `scrapeIntervalMs`. Resolves once `/-/ready` answers and every
 * target was scraped once and is up (`/api/v1/targets`), its series
 * queryable. Throws a {@link PrometheusError}: `PROMETHEUS_MISSING` when the
 * binary is not installed, `PROMETHEUS_NOT_READY` when it exits, stays
 * silent, or a target stays down (the message names it and its error).
 */
export async function startPrometheus(options: PrometheusOptions): Promise<PrometheusServer> {
  const intervalMs = options.scrapeIntervalMs ?? 1_000;
  if (!Number.isInteger(intervalMs) || intervalMs < 1) throw new RangeError(`scrapeIntervalMs ${intervalMs} is not a whole number of 1 or more`);
  const targets = options.scrapeTargets.map((target): ScrapeTarget => (typeof target === "string" ? { address: target } : target));
  const dir = await mkdtemp(join(tmpdir(), "twostep-prometheus-"));
  try {
    const storageDir = join(dir, "data");
    const configFile = join(dir, "prometheus.yml");
    await mkdir(storageDir);
    await writeFile(configFile, prometheusConfig(targets, intervalMs, options.metricsPath ?? "/metrics"));
    const server = new TestPrometheus({
      binary: options.binary ?? process.env["PROMETHEUS_BIN"] ?? "prometheus",
      readyTimeoutMs: options.readyTimeoutMs ?? 30_000,
      dir,
      storageDir,
      configFile,
      targets: targets.length,
    });
    await server.start();
    return server;
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** The configuration file: JSON, which is YAML too, so that no address or label needs quoting by hand. */
function prometheusConfig(targets: readonly ScrapeTarget[], intervalMs: number, metricsPath: string): string {
  const interval = `${intervalMs}ms`;
  const config = {
    global: { scrape_interval: interval, scrape_timeout: `${Math.min(intervalMs, 10_000)}ms`, evaluation_interval: interval },
    scrape_configs: [
      {
        job_name: JOB,
        metrics_path: metricsPath,
        static_configs: targets.map((target) => ({ targets: [target.address], labels: { ...target.labels } })),
      },
    ],
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

interface Setup {
  readonly binary: string;
  readonly readyTimeoutMs: number;
  readonly dir: string;
  readonly storageDir: string;
  readonly configFile: string;
  readonly targets: number;
}

class TestPrometheus implements PrometheusServer {
  readonly #setup: Setup;
  readonly #process: ServerProcess;
  #port = -1;

  constructor(setup: Setup) {
    this.#setup = setup;
    const { binary } = setup;
    this.#process = new ServerProcess({
      binary,
      dir: setup.dir,
      missing: (cause) =>
        new PrometheusError(
          PrometheusErrorCode.Missing,
          `${binary} is not installed (not found on the PATH): install it with \`apt-get install prometheus\` (Debian, 2.42), ` +
            `or point PROMETHEUS_BIN at a prometheus binary`,
          { cause },
        ),
      notReady: (message, cause) => new PrometheusError(PrometheusErrorCode.NotReady, message, cause === undefined ? undefined : { cause }),
      advice: "check the generated configuration and the targets",
      onLine: (line) => {
        // `... msg="Listening on" address=127.0.0.1:41234`: the port the OS gave for `--web.listen-address=127.0.0.1:0`.
        const listening = /msg="Listening on" address=\S*:(\d+)/.exec(line);
        if (listening !== null && this.#port === -1) this.#port = Number(listening[1]);
      },
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  get port(): number {
    return this.#port;
  }

  get storageDir(): string {
    return this.#setup.storageDir;
  }

  async start(): Promise<void> {
    const { readyTimeoutMs, storageDir, configFile } = this.#setup;
    const args = [`--config.file=${configFile}`, `--storage.tsdb.path=${storageDir}`, "--web.listen-address=127.0.0.1:0"];
    const deadline = Date.now() + readyTimeoutMs;
    await this.#process.start(args, async () => {
      await pollUntil(
        async () => this.#port !== -1,
        deadline,
        () => this.#process.notReady(`logged no listening address within ${readyTimeoutMs} ms`),
      );
      await pollUntil(
        () => answersReady(this.url),
        deadline,
        () => this.#process.notReady(`was not ready on port ${this.#port} within ${readyTimeoutMs} ms`),
      );
      await this.#waitForScrapes(0, deadline);
    });
  }

  query(query: string): Promise<readonly PrometheusSample[]> {
    return instantQuery(this.url, query);
  }

  async nextScrape(): Promise<void> {
    await this.#waitForScrapes(Date.now() / 1000, Date.now() + this.#setup.readyTimeoutMs);
  }

  async stop(): Promise<void> {
    await this.#process.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /**
   * Waits until every target is up and its `up` series was stored by a
   * scrape that started after `after` (seconds since the epoch). The
   * targets API alone is not enough: it reports a scrape a moment before
   * its samples are committed.
   */
  async #waitForScrapes(after: number, deadline: number): Promise<void> {
    const wanted = this.#setup.targets;
    let targets: readonly ActiveTarget[] = [];
    await pollUntil(
      async () => {
        targets = (await activeTargets(this.url)) ?? [];
        if (targets.length < wanted || targets.some((target) => target.health !== "up")) return false;
        const scraped = await instantQuery(this.url, `timestamp(up{job="${JOB}"}) and up{job="${JOB}"} == 1`).catch(() => []);
        return scraped.length >= wanted && scraped.every((sample) => sample.value > after);
      },
      deadline,
      () => {
        const down = targets
          .filter((target) => target.health !== "up")
          .map((target) => `${target.scrapeUrl} is ${target.health} (${target.lastError || "not scraped yet"})`);
        const found = targets.length < wanted ? [`it knows ${targets.length} of ${wanted} targets`] : [];
        return this.#process.notReady(
          `did not scrape every target within ${this.#setup.readyTimeoutMs} ms: ${[...found, ...down].join("; ") || "no fresh scrape"}`,
        );
      },
    );
  }
}
