// A rollout plan end to end, every part real and in a process of its own: a nats-server, a
// Prometheus, six node processes in three zones that serve their metrics and send each other
// orders over NATS, `twostep controller` processes (the CLI binary), and the plan started with
// `twostep rollout start`. Three waves zone by zone, two gates (frame health from the nodes'
// heartbeats, and p99 v2 encode latency from Prometheus). The figures the rollout issue asks for
// (a failing gate to the revert applied by every node; a killed controller to its successor's
// next step) are printed, never asserted: waits are for what the parts show, bounded only as hang
// guards.
import { type ChildProcessByStdio, execFile, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type AuditEntry, Coordinator, type RolloutPlan, type RolloutRecord } from "@twostep/fleet";
import { connectNatsControlPlane } from "@twostep/nats";
import { type NatsServer, startNatsServer } from "@twostep/testkit/nats-server";
import { type PrometheusServer, startPrometheus } from "@twostep/testkit/prometheus";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { type BinaryRun, buildCli, twostep } from "../../packages/cli/test/support/twostep-binary.js";
import type { RolloutNodeConfig, RolloutNodeReport } from "./scripts/rollout-node.js";

const TYPE = "orders.OrderPlaced";
const root = fileURLToPath(new URL("../..", import.meta.url));
const tsc = join(root, "node_modules/typescript/bin/tsc");
const cliBin = join(root, "packages/cli/dist/bin.js");
const nodeScript = fileURLToPath(new URL("./dist/scripts/rollout-node.js", import.meta.url));

/**
 * The faulty build's v2 writer takes this long per frame; the gate allows a
 * p99 of `MAX_P99_SECONDS` (a bucket bound, well below it). Far above what a
 * healthy encode takes on a loaded machine, where a process descheduled in
 * the middle of one took 33 ms: the healthy plan must not fail its gate.
 */
const SLOW_V2_ENCODE_MS = 400;
const MAX_P99_SECONDS = 0.25;
const P99_ENCODE_V2 = `histogram_quantile(0.99, sum by (le) (rate(twostep_encode_duration_seconds_bucket{type="${TYPE}",version="2"}[5s])))`;
const ZONES = ["a", "b", "c"] as const;
/** The three waves: zone a, zones a and b, every node. */
const WAVES = ["enable v2 where zone=a", "enable v2 where zone=a|b", "enable v2"];

/** Hang guards only: on a loaded two-core machine everything takes many times as long as on an idle one. */
const LONG = { timeout: 120_000, interval: 100 } as const;

let nats: NatsServer | undefined;
/** What a test started, stopped after it, last started first. */
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  // The node processes run the built test scripts and the controller the built CLI: a no-op when `dist` is current.
  await buildCli();
  await promisify(execFile)(process.execPath, [tsc, "-b", join(root, "test/reliability")]);
  nats = await startNatsServer();
}, 300_000);

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

afterAll(async () => {
  await nats?.stop();
});

/** A child process that prints one line per thing it does, each kept with when it arrived. */
class LineProcess {
  readonly lines: { readonly text: string; readonly at: number }[] = [];
  readonly exited: Promise<void>;
  readonly #child: ChildProcessByStdio<Writable, Readable, Readable>;
  #stderr = "";

  constructor(args: readonly string[], env: Readonly<Record<string, string>> = {}) {
    this.#child = spawn(process.execPath, args, { env: { ...process.env, TWOSTEP_LOG_LEVEL: "silent", ...env }, stdio: ["pipe", "pipe", "pipe"] });
    this.#child.stderr.setEncoding("utf8").on("data", (chunk: string) => (this.#stderr += chunk));
    createInterface({ input: this.#child.stdout }).on("line", (text) => this.lines.push({ text, at: Date.now() }));
    this.exited = new Promise((resolve) => this.#child.once("close", () => resolve()));
    cleanups.push(() => this.stop());
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Every line that is a JSON object, parsed. */
  json<T>(): T[] {
    return this.lines.flatMap(({ text }) => (text.startsWith("{") ? [JSON.parse(text) as T] : []));
  }

  /** Waits until a printed JSON object matches `test`, and returns it. */
  async printed<T>(test: (line: T) => boolean): Promise<T> {
    return vi.waitFor(() => {
      if (!this.running && this.#child.exitCode !== 0) throw new Error(`the process exited (${this.#child.exitCode}):\n${this.#stderr}`);
      const found = this.json<T>().find(test);
      if (found === undefined) throw new Error(`not printed yet; stderr:\n${this.#stderr}`);
      return found;
    }, LONG);
  }

  kill(signal: NodeJS.Signals): void {
    this.#child.kill(signal);
  }

  /** Stops it (SIGTERM) and waits for it to exit. */
  async stop(): Promise<void> {
    if (this.running) this.kill("SIGTERM");
    await this.exited;
  }
}

/** An event a `twostep controller --json` prints. */
interface ControllerLine {
  readonly event: string;
  readonly controller?: string;
  readonly capability?: string | null;
  readonly detail?: string;
  readonly at: number;
}

type Applied = Extract<RolloutNodeReport, { event: "applied" }>;

/** A node process of `scripts/rollout-node.ts`. */
class NodeProcess extends LineProcess {
  readonly nodeId: string;
  readonly zone: string;

  constructor(config: RolloutNodeConfig) {
    super([nodeScript, JSON.stringify(config)]);
    this.nodeId = config.nodeId;
    this.zone = config.zone;
  }

  /** Every write-level record it applied, in order. */
  applied(): Applied[] {
    return this.json<RolloutNodeReport>().filter((report): report is Applied => report.event === "applied");
  }

  /** The first record it applied of revision `revision` or later. */
  appliedSince(revision: number): Applied | undefined {
    return this.applied().find((report) => report.revision >= revision);
  }
}

/** One test's fleet: its own bucket prefix on the shared nats-server, six node processes, a Prometheus scraping them. */
interface World {
  readonly coordinator: Coordinator;
  readonly nodes: readonly NodeProcess[];
  readonly prometheus: PrometheusServer;
  readonly dir: string;
  /** Runs the `twostep` binary on this fleet. */
  twostep(args: readonly string[]): Promise<BinaryRun>;
  /** Starts `twostep controller --json` on this fleet. */
  controller(leaseSeconds: number): LineProcess;
}

/** Starts a world; the nodes of `slowZone` run the faulty build whose v2 writer is slow. */
async function startWorld(prefix: string, slowZone?: string): Promise<World> {
  const url = nats?.url ?? "";
  const dir = await mkdtemp(join(tmpdir(), "twostep-e2e-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  // The release manager's connection creates what the control plane needs; the nodes connect without that right.
  const plane = await connectNatsControlPlane({ servers: url, bucketPrefix: prefix, create: true, name: `${prefix}-test` });
  cleanups.push(() => plane.close());
  const nodes = ZONES.flatMap((zone) =>
    [1, 2].map(
      (index) =>
        new NodeProcess({
          url,
          prefix,
          nodeId: `${zone}${index}`,
          zone,
          build: zone === slowZone ? "orders-2.0.0-slow-v2-writer" : "orders-2.0.0",
          slowV2EncodeMs: zone === slowZone ? SLOW_V2_ENCODE_MS : 0,
          writeEveryMs: 250,
          heartbeatMs: 200,
          subject: `${prefix}.orders`,
        }),
    ),
  );
  const ready = await Promise.all(nodes.map((node) => node.printed<RolloutNodeReport>((report) => report.event === "ready")));
  const prometheus = await startPrometheus({
    scrapeTargets: nodes.map((node, index) => ({
      address: ready[index]?.event === "ready" ? ready[index].address : "",
      labels: { node: node.nodeId, zone: node.zone },
    })),
    // Its timeout too: long enough for the faulty build, busy encoding, to answer a scrape between two frames.
    scrapeIntervalMs: 1_000,
  });
  cleanups.push(() => prometheus.stop());
  const env = {
    NO_COLOR: "1",
    TWOSTEP_NATS_URL: url,
    TWOSTEP_NATS_PREFIX: prefix,
    // No connection context but these variables: never the user's.
    XDG_CONFIG_HOME: join(dir, "config"),
  };
  return {
    coordinator: new Coordinator(plane),
    nodes,
    prometheus,
    dir,
    twostep: (args) => twostep(args, { cwd: dir, env }),
    controller: (leaseSeconds) => new LineProcess([cliBin, "controller", "--lease", String(leaseSeconds), "--tick", "100", "--json"], env),
  };
}

/** v1 enabled through the CLI, and applied by every node. */
async function enableV1(world: World): Promise<void> {
  const run = await world.twostep(["enable-write", TYPE, "1", "--reason", "first level", "--yes"]);
  expect(run.code, run.stderr).toBe(0);
  await vi.waitFor(() => expect(world.nodes.map((node) => node.applied().at(-1)?.writes)).toEqual(world.nodes.map(() => [1])), LONG);
}

/** The plan of every test: three waves by zone, gated on the nodes' frame health and on p99 v2 encode latency from Prometheus. */
function threeWaves(world: World, bakesMs: readonly [number, number, number], intervalMs: number): RolloutPlan {
  return {
    target: 2,
    steps: [
      { percent: 100, where: { zone: ["a"] }, bakeMs: bakesMs[0] },
      { percent: 100, where: { zone: ["a", "b"] }, bakeMs: bakesMs[1] },
      { percent: 100, where: null, bakeMs: bakesMs[2] },
    ],
    gates: [
      { kind: "frame-health", name: "decode failures", maxFailureRate: 0.01, maxIncrease: 0.005, minFrames: 20, windowMs: 5_000 },
      { kind: "prometheus", name: "p99 encode latency of v2", url: world.prometheus.url, query: P99_ENCODE_V2, max: MAX_P99_SECONDS, min: null },
    ],
    intervalMs,
    onFailure: "revert",
    onInconclusive: "hold",
  };
}

/** Writes the plan to a file and starts it with `twostep rollout start`. */
async function startPlan(world: World, plan: RolloutPlan): Promise<void> {
  const file = join(world.dir, "rollout.json");
  await writeFile(file, `${JSON.stringify(plan, null, 2)}\n`);
  const run = await world.twostep(["rollout", "start", TYPE, "--plan", file, "--reason", "v2, zone by zone", "--yes"]);
  expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
}

/** Waits until the rollout is in `state`, and returns its record. */
async function rolloutIn(world: World, state: RolloutRecord["state"]): Promise<RolloutRecord> {
  return vi.waitFor(async () => {
    const rollout = (await world.coordinator.rollouts().get(TYPE))?.rollout;
    expect(rollout?.state, rollout?.why ?? "").toBe(state);
    return rollout as RolloutRecord;
  }, LONG);
}

/** The step of a controller's reason (`rollout <id>: step 2 of 3: ...`), or `?`. */
function stepOf(entry: AuditEntry): string {
  return /: (step \d of \d):/.exec(entry.note.reason)?.[1] ?? "?";
}

/** The history of the capability, as `action request` lines, the changes and the rollout's steps (its verdicts left out). */
function changes(history: readonly AuditEntry[]): string[] {
  return history.flatMap((entry) => {
    const { action, request } = entry.note;
    if (action === "rollout-judge" || action === "rollout-hold" || action === "intent") return [];
    return action.startsWith("rollout-") && action !== "rollout-start" ? [`${action} ${request} (${stepOf(entry)})`] : [`${action} ${request}`];
  });
}

/** Every change of a plan that went through its three waves, each once and in order. */
const COMPLETED = [
  "enable-write enable v1",
  "rollout-start start rollout of v2: step 1 of 3: zone=a, 100%, bake 1 s",
  "enable-write enable v2 where zone=a",
  "rollout-step apply step (step 1 of 3)",
  "rollout-step next step (step 1 of 3)",
  "enable-write enable v2 where zone=a|b",
  "rollout-step apply step (step 2 of 3)",
  "rollout-step next step (step 2 of 3)",
  "enable-write enable v2",
  "rollout-step apply step (step 3 of 3)",
  "rollout-done done (step 3 of 3)",
];

/** Waits until every node applied revision `revision` or later and writes only `level` for every sample key; returns when each applied it. */
async function everyNodeWrites(world: World, revision: number, level: number): Promise<number[]> {
  return vi.waitFor(() => {
    const applied = world.nodes.map((node) => node.appliedSince(revision));
    expect(applied.map((report) => report?.writes)).toEqual(world.nodes.map(() => [level]));
    return applied.map((report) => report?.at ?? Number.NaN);
  }, LONG);
}

describe("a rollout plan of three waves and two gates, on a real nats-server, node processes, Prometheus and controller processes", () => {
  test("a healthy fleet: the plan goes through its three waves, every node ends writing v2, and the history shows each step once, in order", async () => {
    const world = await startWorld("healthy");
    await enableV1(world);
    const controller = world.controller(15);
    await controller.printed<ControllerLine>((line) => line.event === "lease-acquired");
    await startPlan(world, threeWaves(world, [1_000, 1_000, 1_000], 250));

    const done = await rolloutIn(world, "done");
    expect(done.step).toBe(2);
    expect(done.results.map((result) => [result.name, result.verdict])).toEqual([
      ["decode failures", "pass"],
      ["p99 encode latency of v2", "pass"],
    ]);
    const record = (await world.coordinator.status(TYPE)).capabilities[0]?.record;
    expect(record).toMatchObject({ level: 2, ramp: null });
    const status = await world.coordinator.status(TYPE);
    await everyNodeWrites(world, status.capabilities[0]?.revision ?? Number.POSITIVE_INFINITY, 2);
    // Each node wrote v2 for its zone's wave and not before: zone c only at the last one.
    const waveOf = (node: NodeProcess) => node.applied().find((report) => report.writes.includes(2))?.ramp?.where ?? null;
    expect(world.nodes.map((node) => [node.nodeId, waveOf(node)])).toEqual([
      ["a1", { zone: ["a"] }],
      ["a2", { zone: ["a"] }],
      ["b1", { zone: ["a", "b"] }],
      ["b2", { zone: ["a", "b"] }],
      ["c1", null],
      ["c2", null],
    ]);
    // What Prometheus scraped from the node processes says the same.
    await world.prometheus.nextScrape();
    const levels = await world.prometheus.query(`twostep_node_write_level{capability="${TYPE}"}`);
    expect(Object.fromEntries(levels.map((sample) => [sample.metric["node"], sample.value]))).toEqual({ a1: 2, a2: 2, b1: 2, b2: 2, c1: 2, c2: 2 });

    expect(changes(await world.coordinator.history({ capability: TYPE }))).toEqual(COMPLETED);
    const events = controller.json<ControllerLine>().map((line) => `${line.event} ${line.detail ?? ""}`.trim());
    expect(
      events.filter((event) => /^(step-applied|step-baked|rollout-done) /.test(event)).map((event) => event.replace(/: zone=.*|: every node.*/, "")),
    ).toEqual([
      "step-applied step 1 of 3",
      "step-baked step 1 of 3",
      "step-applied step 2 of 3",
      "step-baked step 2 of 3",
      "step-applied step 3 of 3",
      "rollout-done step 3 of 3",
    ]);
  }, 240_000);

  test("a wave whose build writes v2 too slowly: the Prometheus gate fails, the plan fails, and every node applies the revert to v1", async () => {
    const world = await startWorld("gate", "b");
    await enableV1(world);
    const controller = world.controller(15);
    await controller.printed<ControllerLine>((line) => line.event === "lease-acquired");
    // Zone a's wave bakes briefly; the second wave (zone b, the slow build) would bake a long time: the gate fails it first.
    await startPlan(world, threeWaves(world, [1_000, 600_000, 1_000], 250));

    const failed = await rolloutIn(world, "failed");
    // The failure is recorded first, then the writers are reverted; the controller tells it once both are done.
    await controller.printed<ControllerLine>((line) => line.event === "rollout-failed");
    expect(failed.step, "the plan failed at its second wave, zone b's").toBe(1);
    const gate = failed.results.find((result) => result.name === "p99 encode latency of v2");
    expect(gate?.verdict).toBe("fail");
    expect(gate?.value).toBeGreaterThan(MAX_P99_SECONDS);
    expect(failed.results.find((result) => result.name === "decode failures")?.verdict).not.toBe("fail");
    expect(failed.why).toContain("p99 encode latency of v2");

    const history = await world.coordinator.history({ capability: TYPE });
    const revert = history.find((entry) => entry.note.action === "guard-revert");
    expect(revert?.note.actor).toMatch(/^controller controller-[0-9a-f]{8}$/);
    expect(revert?.note.reason).toContain("p99 encode latency of v2");
    expect(revert?.after).toMatchObject({ level: 1, ramp: null });
    expect(changes(history)).toEqual([...COMPLETED.slice(0, 7), "rollout-fail fail (step 2 of 3)", "guard-revert revert ramp"]);
    // Every node applies the revert: none writes v2 for any key any more.
    const appliedAt = await everyNodeWrites(world, revert?.revision ?? Number.POSITIVE_INFINITY, 1);
    expect(controller.json<ControllerLine>().filter((line) => line.event === "rollout-failed")).toHaveLength(1);

    const verdictAt = gate?.at ?? Number.NaN;
    console.log(
      `failing gate (${gate?.value} s > ${MAX_P99_SECONDS} s, judged every ${failed.intervalMs} ms) to the revert applied by all ${world.nodes.length} node processes: ` +
        `${Math.max(...appliedAt) - verdictAt} ms (the revert recorded ${revert === undefined ? "?" : revert.storedAt - verdictAt} ms after the verdict; ` +
        `the step applied ${failed.applied === null ? "?" : verdictAt - failed.applied.at} ms before it)`,
    );
  }, 240_000);

  test("two controllers, the leader killed mid-plan: the other takes over where the plan stands, no step skipped or repeated", async () => {
    const world = await startWorld("failover");
    await enableV1(world);
    const LEASE_SECONDS = 2;
    const first = world.controller(LEASE_SECONDS);
    const second = world.controller(LEASE_SECONDS);
    const ids = await Promise.all([first, second].map(async (each) => (await each.printed<ControllerLine>((line) => line.event === "started")).controller));
    await vi.waitFor(
      () => expect([first, second].filter((each) => each.json<ControllerLine>().some((line) => line.event === "lease-acquired"))).toHaveLength(1),
      LONG,
    );
    const leads = first.json<ControllerLine>().some((line) => line.event === "lease-acquired");
    const [leader, standby] = leads ? [first, second] : [second, first];
    const [leaderId, standbyId] = leads ? ids : [...ids].reverse();
    await startPlan(world, threeWaves(world, [1_000, 1_000, 1_000], 500));

    // Killed once the first wave baked: the second is due at the plan's next interval, and the leader never gives its lease up.
    await leader.printed<ControllerLine>((line) => line.event === "step-baked" && (line.detail ?? "").startsWith("step 1 of 3"));
    const killedAt = Date.now();
    leader.kill("SIGKILL");
    await leader.exited;

    const done = await rolloutIn(world, "done");
    expect(done.step).toBe(2);
    const history = await world.coordinator.history({ capability: TYPE });
    expect(changes(history)).toEqual(COMPLETED);
    const byWave = WAVES.map((wave) =>
      history.filter((entry) => entry.note.action === "enable-write" && entry.note.request === wave).map((entry) => entry.note.actor),
    );
    expect(byWave[0]).toEqual([`controller ${leaderId}`]);
    expect(byWave[1]).toEqual([`controller ${standbyId}`]);
    expect(byWave[2]).toEqual([`controller ${standbyId}`]);
    await everyNodeWrites(world, (await world.coordinator.status(TYPE)).capabilities[0]?.revision ?? Number.POSITIVE_INFINITY, 2);

    const taken = await standby.printed<ControllerLine>((line) => line.event === "lease-acquired");
    expect(taken.detail).toContain(`after ${leaderId}'s lease ran out`);
    const standbySteps = standby.json<ControllerLine>().filter((line) => ["step-applied", "step-baked", "rollout-done"].includes(line.event));
    expect(standbySteps.some((line) => (line.detail ?? "").startsWith("step 1 of 3"))).toBe(false);
    const next = standbySteps[0];
    // Where the plan stood: the standby's first step action applies the second wave.
    expect(`${next?.event} ${next?.detail ?? ""}`).toMatch(/^step-applied step 2 of 3\b/);
    console.log(
      `controller failover (lease ${LEASE_SECONDS} s, looks every 100 ms): killed to lease taken by the other: ${taken.at - killedAt} ms; ` +
        `killed to its next step action (${next?.event} ${next?.detail}): ${(next?.at ?? Number.NaN) - killedAt} ms`,
    );
  }, 240_000);
});
