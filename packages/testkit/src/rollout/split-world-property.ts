import { isTwostepError, type Protocol } from "@twostep/core";
import fc from "fast-check";
import { RolloutCheckError } from "../testkit-errors.js";
import { SimulatedFleet, TESTKIT_ACTOR, type SimulationOptions } from "./simulated-fleet.js";
import type { Build } from "./traffic.js";

/** One thing that happens to a split-world fleet while traffic flows. */
export type SplitWorldCommand =
  /** Redeploy a node on a build (it stops, then starts again; the join guard may refuse it). */
  | { readonly kind: "deploy"; readonly node: string; readonly build: string }
  /** Ask the coordinator to write `level` (`percent` below 100: a ramp by key). */
  | { readonly kind: "enable"; readonly type: string; readonly level: number; readonly percent: number }
  /** Ask the coordinator to roll the writer back. */
  | { readonly kind: "disable"; readonly type: string }
  /** Drain `level` (when nothing writes it) and ask the coordinator to retire it. */
  | { readonly kind: "retire"; readonly type: string; readonly level: number };

/** A run of the split world: which build each node starts on, what happens next, and the seed of the values. */
export interface SplitWorldScenario {
  /** Build name per node, `node-1` first. */
  readonly assignment: readonly string[];
  readonly commands: readonly SplitWorldCommand[];
  readonly seed: number;
}

/** What was refused during a run: fine by the rules, and recorded. */
export interface SplitWorldRefusal {
  /** The command, as `#2 deploy node-1 on old`. */
  readonly step: string;
  /** The twostep error code: `JOIN_REFUSED`, `UNSAFE_CHANGE`, `INVALID_REQUEST`, ... */
  readonly code: string;
  readonly message: string;
}

/** What a split-world run that kept the property did. */
export interface SplitWorldOutcome {
  readonly scenario: SplitWorldScenario;
  readonly refusals: readonly SplitWorldRefusal[];
  /** Frames decoded, over the whole run. */
  readonly decoded: number;
}

/** Options of {@link splitWorldProperty} and {@link runSplitWorld}. */
export interface SplitWorldOptions extends Omit<SimulationOptions, "seed"> {
  /** The builds, by name, at least one; the names are the build ids nodes advertise. */
  readonly builds: Readonly<Record<string, Protocol>>;
  /** Nodes in the fleet, at least 2. Defaults to 3. */
  readonly nodes?: number;
  /** Most commands in one run. Defaults to 6. */
  readonly maxCommands?: number;
  /** Traffic rounds after each command. Defaults to 3. */
  readonly roundsPerCommand?: number;
  /** Called with the outcome of every run that kept the property, to look at refusals or gather statistics. */
  readonly onRun?: (outcome: SplitWorldOutcome) => void;
}

/**
 * A fast-check property over split worlds: fast-check assigns builds to the
 * nodes of a simulated fleet at random, then redeploys nodes, enables, ramps,
 * rolls back and retires writers while traffic flows between all nodes.
 * Whatever the join guard or the coordinator refuses is fine, and recorded
 * (see `onRun`). The property: no frame a node writes is undecodable by any
 * member, and no migration declared lossless loses anything; a violation
 * throws {@link RolloutCheckError} naming the command during which it
 * happened. Run it with `fc.assert(splitWorldProperty(options), { numRuns })`.
 */
export function splitWorldProperty(options: SplitWorldOptions): fc.IAsyncPropertyWithHooks<[SplitWorldScenario]> {
  return fc.asyncProperty(splitWorldScenarioArbitrary(options), async (scenario) => {
    const outcome = await runSplitWorld(options, scenario);
    options.onRun?.(outcome);
  });
}

/** The scenarios {@link splitWorldProperty} draws from. */
export function splitWorldScenarioArbitrary(options: SplitWorldOptions): fc.Arbitrary<SplitWorldScenario> {
  const buildNames = Object.keys(options.builds);
  if (buildNames.length === 0) throw new RangeError("builds must name at least one build");
  const nodeIds = nodeIdsOf(options);
  const types = new Map<string, { min: number; max: number }>();
  for (const protocol of Object.values(options.builds)) {
    for (const type of protocol.types) {
      const known = types.get(type.name);
      types.set(type.name, { min: Math.min(known?.min ?? type.reads.min, type.reads.min), max: Math.max(known?.max ?? type.reads.max, type.reads.max) });
    }
  }
  const build = fc.constantFrom(...buildNames);
  const typed = [...types].map(([type, { min, max }]) => ({ type: fc.constant(type), level: fc.integer({ min, max }) }));
  const command: fc.Arbitrary<SplitWorldCommand> = fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("deploy" as const), node: fc.constantFrom(...nodeIds), build }) },
    ...typed.flatMap(({ type, level }) => [
      { weight: 2, arbitrary: fc.record({ kind: fc.constant("enable" as const), type, level, percent: fc.constantFrom(100, 50) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("disable" as const), type }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("retire" as const), type, level }) },
    ]),
  );
  return fc.record({
    assignment: fc.array(build, { minLength: nodeIds.length, maxLength: nodeIds.length }),
    commands: fc.array(command, { maxLength: options.maxCommands ?? 6 }),
    seed: fc.integer(),
  });
}

/**
 * Runs one split-world scenario: the nodes start on their assigned builds,
 * each type is written at the highest level all of them read and write, and
 * the commands follow, each with traffic during and after it. Returns what
 * was refused; throws {@link RolloutCheckError} when the property breaks.
 */
export async function runSplitWorld(options: SplitWorldOptions, scenario: SplitWorldScenario): Promise<SplitWorldOutcome> {
  const builds = new Map(Object.entries(options.builds).map(([id, protocol]): [string, Build] => [id, { id, protocol }]));
  const fleet = await SimulatedFleet.open([...builds.values()], { ...options, seed: scenario.seed });
  const refusals: SplitWorldRefusal[] = [];
  const nodeIds = nodeIdsOf(options);
  const buildOf = (name: string): Build => {
    const found = builds.get(name);
    if (found === undefined) throw new RangeError(`unknown build ${JSON.stringify(name)}: the builds are ${[...builds.keys()].join(", ")}`);
    return found;
  };
  const refused = (step: string, error: unknown) => {
    if (!isTwostepError(error)) throw error;
    refusals.push({ step, code: error.code, message: error.message });
  };
  let decoded = 0;
  const check = () => {
    decoded += fleet.takeDeliveries().length;
    const [first, ...rest] = fleet.takeFailures();
    if (first !== undefined) throw new RolloutCheckError(first, { more: rest.length, seed: fleet.seed });
  };
  try {
    fleet.step = "start";
    const started = scenario.assignment.map((name, index) => ({ nodeId: nodeIds[index] ?? `node-${index + 1}`, build: buildOf(name) }));
    for (const { nodeId, build } of started) {
      const refusal = await fleet.start(nodeId, build);
      if (refusal !== undefined) refused(`start ${nodeId} on ${build.id}`, refusal);
    }
    for (const [type, level] of commonLevels(started.map(({ build }) => build.protocol))) {
      await fleet.coordinator.enableWrite(type, level, { actor: TESTKIT_ACTOR, reason: "the level every node reads and writes" });
    }
    await fleet.settle();
    await fleet.rounds(options.roundsPerCommand ?? 3);
    check();
    for (const [index, command] of scenario.commands.entries()) {
      const step = `#${index + 1} ${describeCommand(command)}`;
      fleet.step = step;
      await fleet.during(async () => {
        try {
          await execute(fleet, command, buildOf);
        } catch (error) {
          refused(step, error);
        }
      });
      await fleet.settle();
      await fleet.rounds(options.roundsPerCommand ?? 3);
      check();
    }
    fleet.step = "end";
    fleet.flush();
    check();
  } finally {
    await fleet.close();
  }
  return { scenario, refusals, decoded };
}

async function execute(fleet: SimulatedFleet, command: SplitWorldCommand, buildOf: (name: string) => Build): Promise<void> {
  const author = { actor: TESTKIT_ACTOR, reason: describeCommand(command) };
  switch (command.kind) {
    case "deploy": {
      const refusal = await fleet.deploy(command.node, buildOf(command.build));
      if (refusal !== undefined) throw refusal;
      return;
    }
    case "enable":
      await fleet.coordinator.enableWrite(command.type, command.level, { ...author, percent: command.percent });
      return;
    case "disable":
      await fleet.coordinator.disableWrite(command.type, author);
      return;
    case "retire": {
      const record = await fleet.record(command.type);
      const drainable = record !== undefined && record.level !== command.level && record.ramp?.to !== command.level;
      if (drainable) await fleet.drain(command.type, command.level);
      await fleet.coordinator.retire(command.type, command.level, author);
      return;
    }
  }
}

function describeCommand(command: SplitWorldCommand): string {
  switch (command.kind) {
    case "deploy":
      return `deploy ${command.node} on ${command.build}`;
    case "enable":
      return `enable ${command.type} v${command.level}${command.percent < 100 ? ` at ${command.percent}%` : ""}`;
    case "disable":
      return `disable-write ${command.type}`;
    case "retire":
      return `retire ${command.type} v${command.level}`;
  }
}

/** Per type some of these protocols have: the highest level all of those read and write. */
function commonLevels(protocols: readonly Protocol[]): Map<string, number> {
  const levels = new Map<string, number>();
  const names = new Set(protocols.flatMap((protocol) => protocol.types.map((type) => type.name)));
  for (const name of names) {
    const having = protocols.flatMap((protocol) => protocol.find(name) ?? []);
    const top = Math.min(...having.map((type) => type.writes.max));
    for (let level = top; level >= 0; level--) {
      if (having.every((type) => type.canRead(level) && type.canWrite(level))) {
        levels.set(name, level);
        break;
      }
    }
  }
  return levels;
}

function nodeIdsOf(options: SplitWorldOptions): string[] {
  const size = options.nodes ?? 3;
  if (!Number.isInteger(size) || size < 2) throw new RangeError(`nodes must be a whole number of at least 2, got ${size}`);
  return Array.from({ length: size }, (_, index) => `node-${index + 1}`);
}
