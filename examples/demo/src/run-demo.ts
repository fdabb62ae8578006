import { isTwostepError } from "@twostep/core";
import {
  Coordinator,
  FleetErrorCode,
  MemoryControlPlane,
  RampGuard,
  startNode,
  type AuditEntry,
  type Blocker,
  type ControlPlane,
  type FleetNode,
} from "@twostep/fleet";
import { pino } from "pino";
import { createColors } from "picocolors";
import { demoBuilds, type DemoBuild } from "./demo-builds.js";
import { OrderTraffic, type TrafficCounts } from "./order-traffic.js";

const TYPE = "orders.OrderPlaced";
const ZONES = ["zone-a", "zone-b", "zone-c"] as const;
const NODES_PER_ZONE = 4;
const HEARTBEAT_MS = 100;
const TICK_MS = 10;

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** The control plane to run on. Defaults to a new in-memory one. */
  readonly controlPlane?: ControlPlane;
  /** Where lines go. Defaults to stdout. */
  readonly write?: (line: string) => void;
  /** Colour the output. Defaults to false. */
  readonly color?: boolean;
  /** Multiplies every pause (1: the normal pace, about 15 s in all). */
  readonly pace?: number;
}

/** What the demo ends with. */
export interface DemoSummary {
  readonly counts: TrafficCounts;
  /** Orders sent and never decoded nor dead-lettered. */
  readonly lost: number;
  readonly history: readonly AuditEntry[];
  /** True when nothing was lost, undecodable (beyond the injected fault) or altered, and every step went as planned. */
  readonly ok: boolean;
  readonly problems: readonly string[];
}

/**
 * Plays a complete two-phase rollout of `orders.OrderPlaced` v2 on a fleet of
 * twelve nodes in three zones, with orders flowing the whole time: readers
 * first, wave by wave; an early enable refused; a ramp that a bad canary makes
 * the guard revert; a fixed build rolled forward to 100%; an old build refused
 * by the join guard; and a closing account of every message and change.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoSummary> {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const paint = createColors(options.color ?? false);
  const pace = options.pace ?? 1;
  const plane = options.controlPlane ?? new MemoryControlPlane();
  const coordinator = new Coordinator(plane);
  const guard = new RampGuard(coordinator, plane, { threshold: 0.02, minFrames: 20, intervalMs: 200 });
  const builds = demoBuilds();
  const nodeIds = ZONES.flatMap((zone) => Array.from({ length: NODES_PER_ZONE }, (_, index) => `${zone}-${index + 1}`));
  const traffic = new OrderTraffic(nodeIds);
  const nodes = new Map<string, FleetNode>();
  const problems: string[] = [];
  const started = Date.now();

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

  const ramp = async (percents: readonly number[], actor: string): Promise<boolean> => {
    for (const percent of percents) {
      await coordinator.enableWrite(TYPE, 2, { actor, reason: `ramp v2 to ${percent}%`, ...(percent < 100 ? { percent } : {}) });
      traffic.takeWritten();
      await pause(percent < 100 ? 1_200 : 800);
      const record = (await coordinator.status(TYPE)).capabilities[0]?.record;
      if (percent < 100 && record?.ramp === null) {
        say(`${percent}%: ${versions()}`);
        return false;
      }
      say(`${percent === 100 ? "v2 is the write level" : `${percent}% of writes on v2`}: ${versions()}`);
    }
    return true;
  };

  const timer = setInterval(() => traffic.round(), TICK_MS);
  guard.start((error) => say(paint.red(`guard: ${String(error)}`)));
  try {
    step(`A fleet of ${nodeIds.length} nodes in ${ZONES.length} zones on ${builds.v1.id}, writing and reading ${TYPE} v1`);
    for (const nodeId of nodeIds) await deploy(nodeId, builds.v1);
    await coordinator.enableWrite(TYPE, 1, { actor: "release-manager", reason: "adopt twostep: v1 is what the fleet writes" });
    await pause(500);
    say(`orders flowing: ${traffic.counts.sent} sent so far; ${await readers()}`);

    step(`Phase 1, read: deploy ${builds.faulty.id} (reads v1 and v2, still writes v1), wave by wave`);
    await deploy(nodeIds[0] ?? "", builds.faulty);
    await pause(200);
    say(`canary ${nodeIds[0]} on ${builds.faulty.id}: ${await readers()}`);
    const early = await coordinator.enableWrite(TYPE, 2, { actor: "eager-dev", reason: "ship it" }).catch((error: unknown) => error);
    expect(isTwostepError(early, FleetErrorCode.UnsafeChange), "enabling v2 early should be refused");
    say(`${paint.yellow("refused:")} enable-write ${TYPE} 2 by eager-dev`);
    for (const line of summariseBlockers((early as { blockers?: readonly Blocker[] }).blockers ?? [])) say(`  ${paint.yellow(line)}`);
    await deployWaves(builds.faulty);

    step("Phase 2, write: the fleet is read-ready, ramp the v2 writer");
    const plan = await coordinator.change(TYPE, { kind: "enable-write", level: 2, percent: 1 }, { actor: "release-manager", reason: "plan" }, { dryRun: true });
    say(`plan: ${plan.request}, blockers: ${plan.blockers.length}`);
    const rolledForward = await ramp([1, 10, 50], "release-manager");
    expect(!rolledForward, "the guard should have reverted the faulty canary's ramp");
    const revert = (await coordinator.history({ capability: TYPE })).findLast((entry) => entry.note.action === "guard-revert");
    expect(revert !== undefined, "the guard's revert should be recorded");
    say(`${paint.red("guard reverted the ramp:")} ${revert?.note.reason ?? "?"}`);
    say(`dead-lettered so far: ${traffic.counts.injectedFaults} frames cut short by ${builds.faulty.id}'s bug, ${traffic.counts.undecodable} others`);

    step(`Fix: deploy ${builds.fixed.id} wave by wave, then ramp again`);
    await deployWaves(builds.fixed);
    expect(await ramp([1, 10, 100], "release-manager"), "the fixed build should ramp to 100%");

    step(`Rollback guard: try to start a node on ${builds.v1.id} now that v2 is written`);
    const refused = await deploy("zone-c-5", builds.v1).catch((error: unknown) => error);
    expect(isTwostepError(refused, FleetErrorCode.JoinRefused), "the join guard should refuse the old build");
    for (const line of String((refused as Error).message).split("\n")) say(paint.yellow(line));

    step("Summary");
    await pause(300);
  } finally {
    clearInterval(timer);
    guard.stop();
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
  // The changes themselves: their intents aside.
  const history = (await coordinator.history({ capability: TYPE })).filter((entry) => entry.note.action !== "intent");
  say(`sent ${counts.sent}; decoded v1 ${counts.decoded[1] ?? 0}, v2 ${counts.decoded[2] ?? 0}`);
  say(
    `dead-lettered ${counts.injectedFaults} (the injected fault, each with its typed error); undecodable otherwise ${counts.undecodable}; altered ${counts.mismatched}`,
  );
  say(`${lost === 0 ? paint.green("lost 0") : paint.red(`lost ${lost}`)}`);
  say("changes:");
  for (const entry of history) {
    say(
      `  ${new Date(entry.storedAt).toISOString().slice(11, 23)} ${entry.note.action.padEnd(13)} ${entry.note.request.padEnd(24)} by ${entry.note.actor}: ${entry.note.reason}`,
    );
  }
  const ok = problems.length === 0;
  say(ok ? paint.green(paint.bold("✓ rollout complete, nothing lost")) : paint.red(paint.bold(`✗ ${problems.length} problems`)));
  return { counts, lost, history, ok, problems };
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
