import type { MessageType, Protocol } from "@twostep/core";
import type { Coordinator } from "@twostep/fleet";
import { RolloutCheckError } from "../testkit-errors.js";
import { SimulatedFleet, TESTKIT_ACTOR, type SimulationOptions } from "./simulated-fleet.js";
import { failureWithoutFrame, type Build, type Delivery, type SimulatedNode } from "./traffic.js";

/** The steps of {@link upgradeDowngradeSuite}, in order. */
export const SUITE_STEPS = [
  "old-fleet",
  "upgrade-one",
  "upgrade-all",
  "ramp-writer",
  "enable-writer",
  "old-join-refused",
  "disable-writer",
  "retire",
  "downgrade-one",
  "downgrade-all",
] as const;

/** One step of {@link upgradeDowngradeSuite}. */
export type SuiteStep = (typeof SUITE_STEPS)[number];

/** What the user's check sees after each step. */
export interface StepContext {
  readonly step: SuiteStep;
  /** The running nodes, with their builds. */
  readonly nodes: readonly SimulatedNode[];
  /** Every frame decoded during the step, by every receiver. */
  readonly decoded: readonly Delivery[];
  /** The coordinator, to look at the fleet (`status`, `history`). */
  readonly coordinator: Coordinator;
}

/** Options of {@link upgradeDowngradeSuite}. */
export interface UpgradeDowngradeOptions extends SimulationOptions {
  /** The protocol of the build the fleet runs first. */
  readonly old: Protocol;
  /** The protocol of the build it upgrades to. */
  readonly new: Protocol;
  /** Build ids the nodes advertise. Default to `old` and `new`. */
  readonly buildIds?: { readonly old?: string; readonly new?: string };
  /** Nodes in the fleet, at least 2. Defaults to 3. */
  readonly nodes?: number;
  /** Share of writes at the new level during the ramp, by message key. Defaults to 50. */
  readonly rampPercent?: number;
  /** Traffic rounds after each step's change, before the check. Defaults to 10. */
  readonly roundsPerStep?: number;
  /** The user's functional check, called after each step; throwing fails the suite at that step. */
  readonly check?: (context: StepContext) => void | Promise<void>;
}

/** What one step did. */
export interface StepReport {
  readonly step: SuiteStep;
  /** Node id to build id, after the step. */
  readonly builds: Readonly<Record<string, string>>;
  /** Frames decoded during the step, per type and wire version. */
  readonly decoded: Readonly<Record<string, Readonly<Record<number, number>>>>;
}

/** What {@link upgradeDowngradeSuite} returns when every step passed. */
export interface SuiteReport {
  /** The seed of the generated values. */
  readonly seed: number;
  readonly steps: readonly StepReport[];
}

/**
 * Runs the procedure large services use to ship a new build, on a simulated
 * fleet of real nodes (the in-memory control plane unless `controlPlane` gives
 * another), with traffic between all nodes throughout:
 *
 * 1. `old-fleet`: every node on the old build; each type written at the
 *    highest level the old build writes;
 * 2. `upgrade-one`, 3. `upgrade-all`: nodes redeployed on the new build;
 * 4. `ramp-writer`: each type whose new build writes a higher level ramps
 *    to it (`rampPercent` of writes); 5. `enable-writer`: all writes at it,
 *    and types new in the new build are enabled;
 * 6. `old-join-refused`: a node on the old build tries to start and must be
 *    refused by the join guard (when the old build cannot read what is
 *    written now);
 * 7. `disable-writer`: writers go back to the old level; 8. `retire`: once
 *    every node follows it and what was in flight is delivered, the new level
 *    is retired (a downgrade is only possible then: the join guard keeps
 *    builds that cannot read a level out until it is retired);
 * 9. `downgrade-one`, 10. `downgrade-all`: nodes redeployed on the old build.
 *
 * After each step it runs more traffic, then `check`. Every frame sent must
 * be decoded by every receiver, and migrations declared lossless must give
 * back what went through them. Throws {@link RolloutCheckError} at the first
 * step that fails, with the failure's step, nodes, type, version, frame and
 * error; returns a report otherwise.
 */
export async function upgradeDowngradeSuite(options: UpgradeDowngradeOptions): Promise<SuiteReport> {
  const oldBuild: Build = { id: options.buildIds?.old ?? "old", protocol: options.old };
  const newBuild: Build = { id: options.buildIds?.new ?? "new", protocol: options.new };
  const size = options.nodes ?? 3;
  if (!Number.isInteger(size) || size < 2) throw new RangeError(`nodes must be a whole number of at least 2, got ${size}`);
  const nodeIds = Array.from({ length: size }, (_, index) => `node-${index + 1}`);
  const [first, rest] = [nodeIds.slice(0, 1), nodeIds.slice(1)];
  const plan = planLevels(options.old, options.new);
  const fleet = await SimulatedFleet.open([oldBuild, newBuild], options);
  const steps: StepReport[] = [];
  const author = (reason: string) => ({ actor: TESTKIT_ACTOR, reason });

  const actions: Record<SuiteStep, () => Promise<void>> = {
    "old-fleet": async () => {
      await deploy(fleet, nodeIds, oldBuild);
      for (const { type, from } of plan.initial)
        await change(fleet, type, `enable v${from}`, () => fleet.coordinator.enableWrite(type, from, author("the old build's writer")));
    },
    "upgrade-one": () => deploy(fleet, first, newBuild),
    "upgrade-all": () => deploy(fleet, rest, newBuild),
    "ramp-writer": async () => {
      const percent = options.rampPercent ?? 50;
      for (const { type, to } of plan.raised)
        await change(fleet, type, `enable v${to} at ${percent}%`, () => fleet.coordinator.enableWrite(type, to, { ...author("ramp the new writer"), percent }));
    },
    "enable-writer": async () => {
      for (const { type, to } of [...plan.raised, ...plan.added])
        await change(fleet, type, `enable v${to}`, () => fleet.coordinator.enableWrite(type, to, author("the new writer")));
    },
    "old-join-refused": async () => {
      const expected = plan.raised.some(({ type, to }) => options.old.find(type)?.canRead(to) === false);
      const refusal = await fleet.start("old-build-probe", oldBuild);
      if (refusal === undefined) await fleet.stop("old-build-probe");
      if (expected !== (refusal !== undefined)) {
        const detail = expected
          ? "a node on the old build started although the fleet writes a level that build cannot read"
          : "a node on the old build was refused although the fleet writes nothing it cannot read";
        fleet.fail(
          failureWithoutFrame(expected ? "join-admitted" : "join-refused", detail, refusal ?? null, { sender: "old-build-probe", senderBuild: oldBuild.id }),
        );
      }
    },
    "disable-writer": async () => {
      for (const { type, from } of plan.raised)
        await change(fleet, type, `disable-write to v${from}`, () => fleet.coordinator.disableWrite(type, { ...author("roll the writer back"), to: from }));
    },
    retire: async () => {
      for (const { type, to } of plan.raised) {
        await fleet.drain(type, to);
        await change(fleet, type, `retire v${to}`, () => fleet.coordinator.retire(type, to, author("drained: allow the old build back")));
      }
    },
    "downgrade-one": () => deploy(fleet, first, oldBuild),
    "downgrade-all": () => deploy(fleet, rest, oldBuild),
  };

  try {
    for (const step of SUITE_STEPS) {
      fleet.step = step;
      await fleet.during(actions[step]);
      await fleet.settle();
      await fleet.rounds(options.roundsPerStep ?? 10);
      if (step === SUITE_STEPS.at(-1)) fleet.flush();
      throwFailures(fleet);
      const decoded = fleet.takeDeliveries();
      const nodes = fleet.nodes();
      try {
        await options.check?.({ step, nodes, decoded, coordinator: fleet.coordinator });
      } catch (error) {
        fleet.fail(failureWithoutFrame("check", `the check failed after step ${step}: ${error instanceof Error ? error.message : String(error)}`, error));
        throwFailures(fleet);
      }
      steps.push({ step, builds: Object.fromEntries(nodes.map((node) => [node.nodeId, node.build])), decoded: countDecoded(decoded) });
    }
  } finally {
    await fleet.close();
  }
  return { seed: fleet.seed, steps };
}

/** Which levels the procedure writes, per type. */
interface LevelPlan {
  /** Types of the old build, at the highest level it writes. */
  readonly initial: readonly { readonly type: string; readonly from: number }[];
  /** Types the new build writes at a higher level than the old one. */
  readonly raised: readonly { readonly type: string; readonly from: number; readonly to: number }[];
  /** Types only the new build has, at the highest level it writes. */
  readonly added: readonly { readonly type: string; readonly to: number }[];
}

function planLevels(oldProtocol: Protocol, newProtocol: Protocol): LevelPlan {
  const initial = oldProtocol.types.map((type) => ({ type: type.name, from: type.writes.max }));
  const raised = newProtocol.types.flatMap((type: MessageType) => {
    const before = oldProtocol.find(type.name);
    return before !== undefined && type.writes.max > before.writes.max ? [{ type: type.name, from: before.writes.max, to: type.writes.max }] : [];
  });
  const added = newProtocol.types.filter((type) => oldProtocol.find(type.name) === undefined).map((type) => ({ type: type.name, to: type.writes.max }));
  return { initial, raised, added };
}

/** Deploys `build` on the nodes one after the other (each stops, then starts again); a refusal is a failure of the step. */
async function deploy(fleet: SimulatedFleet, nodeIds: readonly string[], build: Build): Promise<void> {
  for (const nodeId of nodeIds) {
    const refusal = await fleet.deploy(nodeId, build);
    if (refusal !== undefined) {
      fleet.fail(
        failureWithoutFrame("join-refused", `${nodeId} could not start on build ${build.id}: the join guard refused it`, refusal, {
          sender: nodeId,
          senderBuild: build.id,
        }),
      );
    }
  }
}

/** Makes a write-level change the procedure needs; a refusal is a failure of the step. */
async function change(fleet: SimulatedFleet, type: string, request: string, action: () => Promise<unknown>): Promise<void> {
  try {
    await action();
  } catch (error) {
    fleet.fail(failureWithoutFrame("change-refused", `the coordinator refused to ${request} of ${type}`, error, { type }));
  }
}

function throwFailures(fleet: SimulatedFleet): void {
  const [first, ...rest] = fleet.takeFailures();
  if (first !== undefined) throw new RolloutCheckError(first, { more: rest.length, seed: fleet.seed });
}

function countDecoded(decoded: readonly Delivery[]): Record<string, Record<number, number>> {
  const counts: Record<string, Record<number, number>> = {};
  for (const { type, version } of decoded) {
    const perVersion = counts[type] ?? {};
    counts[type] = perVersion;
    perVersion[version] = (perVersion[version] ?? 0) + 1;
  }
  return counts;
}
