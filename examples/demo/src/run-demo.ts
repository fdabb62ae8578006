import { isTwostepError } from "@twostep/core";
import {
  type AuditEntry,
  type Blocker,
  type ControllerEvent,
  type ControlPlane,
  Coordinator,
  describeStep,
  FleetErrorCode,
  type FleetNode,
  type GateSpec,
  MemoryControlPlane,
  RolloutController,
  type RolloutPlan,
  type RolloutRecord,
  startNode,
  type UnsafeChangeError,
} from "@twostep/fleet";
import { createColors } from "picocolors";
import { pino } from "pino";
import { type DemoBuild, demoBuilds } from "./demo-builds.js";
import { OrderTraffic, type TrafficCounts } from "./order-traffic.js";

const TYPE = "orders.OrderPlaced";
const ZONES = ["zone-a", "zone-b", "zone-c"] as const;
const NODES_PER_ZONE = 4;
const HEARTBEAT_MS = 100;
const TICK_MS = 10;
/** How often the plans' gates are judged, on the real clock: the controller looks every 50 ms. */
const INTERVAL_MS = 200;

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** The control plane to run on. Defaults to a new in-memory one. */
  readonly controlPlane?: ControlPlane;
  /** Where lines go. Defaults to stdout. */
  readonly write?: (line: string) => void;
  /** Colour the output. Defaults to false. */
  readonly color?: boolean;
  /** Multiplies every pause and bake (1: the normal pace, about 8 s in all). */
  readonly pace?: number;
}

/** What the demo ends with. */
export interface DemoSummary {
  readonly counts: TrafficCounts;
  /** Orders sent and never decoded nor dead-lettered. */
  readonly lost: number;
  /** Every recorded change of orders.OrderPlaced but intents and gate verdicts (`rollout-judge`), oldest first. */
  readonly history: readonly AuditEntry[];
  /** The two plans as they ended: the faulty canary's (failed), the fixed build's (done). */
  readonly rollouts: readonly RolloutRecord[];
  /** True when nothing was lost, undecodable (beyond the injected fault) or altered, and every step went as planned. */
  readonly ok: boolean;
  readonly problems: readonly string[];
}

/**
 * Plays a complete two-phase rollout of `orders.OrderPlaced` v2 on a fleet of
 * twelve nodes in three zones, with orders flowing the whole time: readers
 * first, zone by zone, while a plan started too early is refused; then a
 * rollout plan, advanced by a rollout controller, writes v2 zone by zone
 * until its frame-health gate finds the canary's bad frames and reverts it;
 * the fixed build's plan then takes v2 to every node, zone by zone; an old
 * build is refused by the join guard; and a closing account of every
 * message and change.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoSummary> {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const paint = createColors(options.color ?? false);
  const pace = options.pace ?? 1;
  const plane = options.controlPlane ?? new MemoryControlPlane();
  const coordinator = new Coordinator(plane);
  const rollouts = coordinator.rollouts();
  const builds = demoBuilds();
  const nodeIds = ZONES.flatMap((zone) => Array.from({ length: NODES_PER_ZONE }, (_, index) => `${zone}-${index + 1}`));
  const traffic = new OrderTraffic(nodeIds);
  const nodes = new Map<string, FleetNode>();
  const problems: string[] = [];
  const started = Date.now();
  const release = { actor: "release-manager", reason: "" };

  const step = (title: string) => write(`\n${paint.bold(paint.cyan(`▸ ${title}`))} ${paint.dim(`(${((Date.now() - started) / 1000).toFixed(1)} s)`)}`);
  const say = (line: string) => write(`  ${line}`);
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms * pace));
  const expect = (condition: boolean, problem: string) => {
    if (!condition) {
      problems.push(problem);
      say(paint.red(`✗ ${problem}`));
    }
  };

  const deploy = async (nodeId: string, build: DemoBuild): Promise<FleetNode> => {
    const previous = nodes.get(nodeId);
    if (previous !== undefined) {
      traffic.detach(nodeId);
      await previous.stop();
      nodes.delete(nodeId);
    }
    const node = await startNode({
      controlPlane: plane,
      protocol: build.protocol,
      nodeId,
      service: "orders",
      build: build.id,
      heartbeatMs: HEARTBEAT_MS,
      labels: { zone: nodeId.replace(/-\d+$/, "") },
      onDeadLetter: () => traffic.deadLetter(),
      // The demo tells the story itself; the nodes' own logs would drown it.
      logger: pino({ level: "silent" }),
    });
    nodes.set(nodeId, node);
    traffic.attach(node, build);
    return node;
  };

  const readers = async (): Promise<string> => {
    const status = await coordinator.status(TYPE);
    const readersOf2 = status.capabilities[0]?.readers[2] ?? 0;
    return `${bar(readersOf2, status.memberCount)} ${readersOf2}/${status.memberCount} nodes read v2`;
  };

  const versions = (): string => {
    const written = traffic.takeWritten();
    const total = (written[1] ?? 0) + (written[2] ?? 0);
    return `written: v1 ${written[1] ?? 0}, v2 ${written[2] ?? 0} (${total === 0 ? 0 : (((written[2] ?? 0) / total) * 100).toFixed(1)}% v2)`;
  };

  const deployWaves = async (build: DemoBuild): Promise<void> => {
    for (const zone of ZONES) {
      for (const nodeId of nodeIds.filter((id) => id.startsWith(zone))) await deploy(nodeId, build);
      await pause(300);
      say(`${zone} on ${build.id}: ${await readers()}`);
    }
  };

  // The controller tells each step as it goes, and ends the wait for a plan once it is done or failed.
  let ended: ((event: ControllerEvent) => void) | undefined;
  const controller = new RolloutController(plane, {
    tickMs: 50,
    leaseMs: 5_000,
    onEvent: (event) => {
      if (event.kind === "step-applied") say(`controller: ${paint.cyan("applied")} ${event.detail}`);
      else if (event.kind === "step-baked") say(`controller: ${paint.green("baked")}, gates passing; ${versions()}`);
      else if (event.kind === "rollout-done") say(`controller: ${paint.green("baked, done")}: v2 is the write level; ${versions()}`);
      else if (event.kind === "rollout-failed") say(`controller: ${paint.red("a gate failed, writers reverted")}: ${event.detail}; ${versions()}`);
      else if (event.kind === "error") say(paint.red(`controller: ${event.detail}`));
      if (event.kind === "rollout-done" || event.kind === "rollout-failed") ended?.(event);
    },
  });
  /** Starts `plan`, and resolves with its record once the controller finished it (or after a generous hang guard). */
  const runPlan = async (plan: RolloutPlan, reason: string): Promise<RolloutRecord | undefined> => {
    let guard: NodeJS.Timeout | undefined;
    const finished = new Promise<unknown>((resolve) => {
      ended = resolve;
      guard = setTimeout(resolve, 30_000 * pace + 10_000);
    });
    try {
      await rollouts.start(TYPE, plan, { ...release, reason });
      traffic.takeWritten();
      await finished;
    } finally {
      clearTimeout(guard);
    }
    return (await rollouts.get(TYPE))?.rollout;
  };

  const timer = setInterval(() => traffic.round(), TICK_MS);
  controller.start();
  const finishedPlans: RolloutRecord[] = [];
  try {
    step(`A fleet of ${nodeIds.length} nodes in ${ZONES.length} zones on ${builds.v1.id}, writing and reading ${TYPE} v1`);
    for (const nodeId of nodeIds) await deploy(nodeId, builds.v1);
    await coordinator.enableWrite(TYPE, 1, { ...release, reason: "adopt twostep: v1 is what the fleet writes" });
    await pause(500);
    say(`orders flowing: ${traffic.counts.sent} sent so far; ${await readers()}`);

    const canary = canaryPlan(pace);
    step(`Phase 1, read: deploy ${builds.faulty.id} (reads v1 and v2, still writes v1), zone by zone`);
    await deploy(nodeIds[0] ?? "", builds.faulty);
    await pause(200);
    say(`canary ${nodeIds[0]} on ${builds.faulty.id}: ${await readers()}`);
    const early = await rollouts.start(TYPE, canary, { actor: "eager-dev", reason: "ship it" }).catch((error: unknown) => error);
    expect(isTwostepError(early, FleetErrorCode.UnsafeChange), "a plan started before every node reads v2 should be refused");
    say(`${paint.yellow("refused:")} twostep rollout start ${TYPE} by eager-dev: its first step would be refused`);
    for (const line of summariseBlockers((early as Partial<UnsafeChangeError>).blockers ?? [])) say(`  ${paint.yellow(line)}`);
    await deployWaves(builds.faulty);

    step("Phase 2, write: the fleet is read-ready; a plan writes v2 zone by zone, gated on convergence and frame health");
    for (const line of describePlan(canary)) say(line);
    const failed = await runPlan(canary, "v2, zone by zone");
    expect(failed?.state === "failed", "the frame-health gate should have failed the faulty canary's plan");
    expect(failed?.step === 0, "the plan should have failed at its first step, the canary");
    const revert = (await coordinator.history({ capability: TYPE })).findLast((entry) => entry.note.action === "guard-revert");
    expect(revert !== undefined, "the gate's revert should be recorded");
    await pause(300);
    say(`after the revert: ${versions()}`);
    say(`dead-lettered so far: ${traffic.counts.injectedFaults} frames cut short by ${builds.faulty.id}'s bug, ${traffic.counts.undecodable} others`);
    if (failed !== undefined) finishedPlans.push(failed);

    step(`Fix: deploy ${builds.fixed.id} zone by zone; a second plan takes v2 to every node`);
    await deployWaves(builds.fixed);
    const promotion = promotionPlan(pace);
    for (const line of describePlan(promotion)) say(line);
    const done = await runPlan(promotion, "fixed build: v2 everywhere, zone by zone");
    expect(done?.state === "done", "the fixed build's plan should take v2 to every node");
    const record = (await coordinator.status(TYPE)).capabilities[0]?.record;
    expect(record?.level === 2 && record.ramp === null, "v2 should be the write level");
    if (done !== undefined) finishedPlans.push(done);

    step(`Rollback guard: try to start a node on ${builds.v1.id} now that v2 is written`);
    const refused = await deploy("zone-c-5", builds.v1).catch((error: unknown) => error);
    expect(isTwostepError(refused, FleetErrorCode.JoinRefused), "the join guard should refuse the old build");
    for (const line of String((refused as Error).message).split("\n")) say(paint.yellow(line));

    step("Summary");
    await pause(300);
  } finally {
    clearInterval(timer);
    await controller.stop();
  }
  // Let every inbox drain, then stop the fleet.
  for (const node of nodes.values()) traffic.attach(node, builds.fixed);
  traffic.round();
  await Promise.all([...nodes.values()].map((node) => node.stop()));
  const counts = traffic.counts;
  const lost = traffic.unaccounted();
  expect(lost === 0, `${lost} messages were lost`);
  expect(counts.undecodable === 0, `${counts.undecodable} messages were undecodable`);
  expect(counts.mismatched === 0, `${counts.mismatched} messages decoded to something else than was sent`);
  // The changes themselves: their intents and the gates' verdicts aside.
  const recorded = await coordinator.history({ capability: TYPE });
  const history = recorded.filter((entry) => entry.note.action !== "intent" && entry.note.action !== "rollout-judge");
  const verdicts = recorded.filter((entry) => entry.note.action === "rollout-judge").length;
  say(
    `sent ${counts.sent}${counts.held === 0 ? "" : ` (and ${counts.held} held by nodes whose writes were still closed)`}; decoded v1 ${counts.decoded[1] ?? 0}, v2 ${counts.decoded[2] ?? 0}`,
  );
  say(
    `dead-lettered ${counts.injectedFaults} (the injected fault, each with its typed error); undecodable otherwise ${counts.undecodable}; altered ${counts.mismatched}`,
  );
  say(`${lost === 0 ? paint.green("lost 0") : paint.red(`lost ${lost}`)}`);
  say(`changes (and ${verdicts} changes of gate verdicts, recorded as rollout-judge):`);
  for (const entry of history) {
    say(
      `  ${new Date(entry.storedAt).toISOString().slice(11, 23)} ${entry.note.action.padEnd(13)} ${entry.note.request.padEnd(24)} by ${entry.note.actor}: ${entry.note.reason}`,
    );
  }
  const ok = problems.length === 0;
  say(ok ? paint.green(paint.bold("✓ rollout complete, nothing lost")) : paint.red(paint.bold(`✗ ${problems.length} problems`)));
  return { counts, lost, history, rollouts: finishedPlans, ok, problems };
}

/**
 * A plan of v2 with one step per `[percent, zones]` (zones null: every
 * node), each baking `bakeMs`, judged every 200 ms on convergence and frame
 * health: over 2 s, more than 2% of v2 frames failing (and 1% above v1's
 * rate) fails; under 20 frames is inconclusive. Bakes and window scale with
 * the pace.
 */
function zonePlan(steps: readonly (readonly [number, readonly string[] | null])[], bakeMs: number, pace: number): RolloutPlan {
  const gates: GateSpec[] = [
    { kind: "convergence", name: "converged" },
    { kind: "frame-health", name: "decode failures", maxFailureRate: 0.02, maxIncrease: 0.01, minFrames: 20, windowMs: Math.max(1, Math.round(2_000 * pace)) },
  ];
  return {
    target: 2,
    steps: steps.map(([percent, zones]) => ({ percent, where: zones === null ? null : { zone: zones }, bakeMs: Math.round(bakeMs * pace) })),
    gates,
    intervalMs: INTERVAL_MS,
  };
}

/** The first plan: a canary of a quarter of zone-a's writes, then zone-a, zones a and b, every node. Long bakes: the gate judges long before. */
const canaryPlan = (pace: number): RolloutPlan =>
  zonePlan(
    [
      [25, ["zone-a"]],
      [100, ["zone-a"]],
      [100, ["zone-a", "zone-b"]],
      [100, null],
    ],
    5_000,
    pace,
  );

/** The second plan, for the fixed build: zone-a, zones a and b, then every node: v2 becomes the write level. */
const promotionPlan = (pace: number): RolloutPlan =>
  zonePlan(
    [
      [100, ["zone-a"]],
      [100, ["zone-a", "zone-b"]],
      [100, null],
    ],
    800,
    pace,
  );

function describePlan(plan: RolloutPlan): string[] {
  const gateNames = (plan.gates ?? []).map((gate) => `${gate.name} (${gate.kind})`).join(", ");
  return [
    `plan: ${plan.steps.length} steps, judged every ${plan.intervalMs} ms by ${gateNames}`,
    ...plan.steps.map((_, index) => `  ${describeStep(index, plan.steps)}`),
  ];
}

function summariseBlockers(blockers: readonly Blocker[]): string[] {
  const groups = new Map<string, number>();
  for (const blocker of blockers) {
    const key = `${blocker.reason} on ${blocker.build}`;
    groups.set(key, (groups.get(key) ?? 0) + 1);
  }
  return [`${blockers.length} blockers:`, ...[...groups].map(([key, count]) => `${count} × ${key}`)];
}

function bar(done: number, total: number): string {
  const width = 12;
  const filled = total === 0 ? 0 : Math.round((done / total) * width);
  return `[${"█".repeat(filled)}${"·".repeat(width - filled)}]`;
}
