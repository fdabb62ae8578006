import fc from "fast-check";
import { isTwostepError } from "@twostep/core";
import { Coordinator, FleetErrorCode, MemoryControlPlane, inRange, requiredLevels, startNode, type ControlPlane, type FleetNode } from "@twostep/fleet";
import { expect, test } from "vitest";
import { builds, protocolOf, type BuildId } from "./support/builds.js";
import { chaosControlPlane } from "./support/chaos-control-plane.js";
import { FakeClock } from "./support/fake-clock.js";

const TYPE = "orders.OrderPlaced";
const NODE_IDS = ["n0", "n1", "n2", "n3", "n4"] as const;
const BUILD_IDS = Object.keys(builds) as BuildId[];

/** Errors the system may answer with: refusals, never failures. */
const EXPECTED = new Set<string>([FleetErrorCode.UnsafeChange, FleetErrorCode.InvalidRequest, FleetErrorCode.RevisionConflict, FleetErrorCode.JoinRefused]);

interface Model {
  readonly running: Set<string>;
}

interface Real {
  readonly clock: FakeClock;
  readonly plane: ControlPlane;
  readonly coordinators: readonly Coordinator[];
  readonly nodes: Map<string, { node: FleetNode; build: BuildId }>;
}

async function tolerate(operation: Promise<unknown>): Promise<void> {
  try {
    await operation;
  } catch (error) {
    if (!isTwostepError(error) || !EXPECTED.has(error.code)) throw error;
  }
}

/** One step of the system under test; `run` may be combined with another to race them. */
type Step = {
  readonly label: string;
  readonly applies: (model: Model) => boolean;
  readonly run: (model: Model, real: Real) => Promise<void>;
};

const startStep = (nodeId: string, build: BuildId): Step => ({
  label: `start ${nodeId} on ${build}`,
  applies: (model) => !model.running.has(nodeId),
  run: async (model, real) => {
    model.running.add(nodeId);
    try {
      const node = await startNode({ controlPlane: real.plane, protocol: protocolOf(build), nodeId, service: "orders", build, heartbeatMs: 1e9 });
      real.nodes.set(nodeId, { node, build });
    } catch (error) {
      model.running.delete(nodeId);
      throw error;
    }
  },
});

const stopStep = (nodeId: string): Step => ({
  label: `stop ${nodeId}`,
  applies: (model) => model.running.has(nodeId),
  run: async (model, real) => {
    const entry = real.nodes.get(nodeId);
    model.running.delete(nodeId);
    real.nodes.delete(nodeId);
    await entry?.node.stop();
  },
});

const crashStep = (nodeId: string): Step => ({
  label: `crash ${nodeId}`,
  applies: (model) => model.running.has(nodeId),
  // It stops heartbeating and never leaves: membership and advertisement stay behind.
  run: async (model, real) => {
    model.running.delete(nodeId);
    real.nodes.delete(nodeId);
  },
});

const heartbeatStep = (): Step => ({
  label: "heartbeat all",
  applies: () => true,
  run: async (_model, real) => {
    await Promise.all([...real.nodes.values()].map(({ node }) => node.heartbeat()));
  },
});

const advanceStep = (ms: number): Step => ({
  label: `advance ${ms} ms`,
  applies: () => true,
  run: async (_model, real) => real.clock.advance(ms),
});

const enableStep = (coordinator: number, level: number, percent: number | undefined): Step => ({
  label: `c${coordinator} enable v${level}${percent === undefined ? "" : ` at ${percent}%`}`,
  applies: () => true,
  run: async (_model, real) => {
    await real.coordinators[coordinator]?.enableWrite(TYPE, level, {
      actor: `c${coordinator}`,
      reason: "model",
      ...(percent === undefined ? {} : { percent }),
    });
  },
});

const disableStep = (coordinator: number, to: number | undefined): Step => ({
  label: `c${coordinator} disable${to === undefined ? "" : ` to v${to}`}`,
  applies: () => true,
  run: async (_model, real) => {
    await real.coordinators[coordinator]?.disableWrite(TYPE, { actor: `c${coordinator}`, reason: "model", ...(to === undefined ? {} : { to }) });
  },
});

const retireStep = (coordinator: number, level: number): Step => ({
  label: `c${coordinator} retire v${level}`,
  applies: () => true,
  run: async (_model, real) => {
    await real.coordinators[coordinator]?.retire(TYPE, level, { actor: `c${coordinator}`, reason: "model" });
  },
});

const decommissionStep = (coordinator: number, nodeId: string): Step => ({
  label: `c${coordinator} decommission ${nodeId}`,
  applies: () => true,
  run: async (_model, real) => {
    await real.coordinators[coordinator]?.decommission(nodeId, { actor: `c${coordinator}`, reason: "model" });
  },
});

const nodeId = fc.constantFrom(...NODE_IDS);
const coordinator = fc.constantFrom(0, 1);
const level = fc.integer({ min: 1, max: 3 });

const singleStep: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(nodeId, fc.constantFrom(...BUILD_IDS)).map(([id, build]) => startStep(id, build)) },
  { weight: 1, arbitrary: nodeId.map(stopStep) },
  { weight: 2, arbitrary: nodeId.map(crashStep) },
  { weight: 3, arbitrary: fc.constant(heartbeatStep()) },
  { weight: 2, arbitrary: fc.integer({ min: 1_000, max: 70_000 }).map(advanceStep) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(coordinator, level, fc.option(fc.constantFrom(1, 10, 50), { nil: undefined }))
      .map(([index, target, percent]) => enableStep(index, target, percent)),
  },
  { weight: 2, arbitrary: fc.tuple(coordinator, fc.option(level, { nil: undefined })).map(([index, to]) => disableStep(index, to)) },
  { weight: 2, arbitrary: fc.tuple(coordinator, level).map(([index, target]) => retireStep(index, target)) },
  { weight: 1, arbitrary: fc.tuple(coordinator, nodeId).map(([index, id]) => decommissionStep(index, id)) },
);

/** Two steps run at once, their control-plane calls interleaved by the chaos plane. */
const raceStep: fc.Arbitrary<Step> = fc.tuple(singleStep, singleStep).map(([first, second]) => ({
  label: `race(${first.label} | ${second.label})`,
  applies: (model) => first.applies(model) && second.applies(model),
  run: async (model, real) => {
    const results = await Promise.allSettled([first.run(model, real), second.run(model, real)]);
    for (const result of results) if (result.status === "rejected") throw result.reason;
  },
}));

/** The race the coordinator's intent exists for: a node booting while a level is enabled. */
const bootDuringEnable: fc.Arbitrary<Step> = fc
  .tuple(nodeId, fc.constantFrom(...BUILD_IDS), coordinator, level, fc.option(fc.constantFrom(10, 50), { nil: undefined }))
  .map(([id, build, index, target, percent]) => [startStep(id, build), enableStep(index, target, percent)] as const)
  .map(([start, enable]) => ({
    label: `race(${start.label} | ${enable.label})`,
    applies: start.applies,
    run: async (model, real) => {
      const results = await Promise.allSettled([start.run(model, real), enable.run(model, real)]);
      for (const result of results) if (result.status === "rejected") throw result.reason;
    },
  }));

class StepCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly step: Step) {}

  check(model: Readonly<Model>): boolean {
    return this.step.applies(model as Model);
  }

  async run(model: Model, real: Real): Promise<void> {
    await tolerate(this.step.run(model, real));
    // Let watches deliver before judging the state.
    await new Promise((resolve) => setImmediate(resolve));
    await checkInvariant(real);
  }

  toString(): string {
    return this.step.label;
  }
}

/**
 * The safety rule: no member is unable to read the write level, the ramp
 * target, a level being enabled, or any level ever written and not retired;
 * and every running node writes only levels it can write and every member reads.
 */
async function checkInvariant(real: Real): Promise<void> {
  const [members, levels] = await Promise.all([real.plane.listMembers(), real.plane.listLevels()]);
  for (const { value: record } of levels) {
    const required = requiredLevels(record);
    for (const member of members) {
      const reads = builds[member.build as BuildId];
      for (const needed of required) {
        expect(inRange(reads, needed), `member ${member.nodeId} (${member.build}) cannot read required v${needed}`).toBe(true);
      }
    }
  }
  const record = levels.find((stored) => stored.value.capability === TYPE)?.value;
  for (const [id, { node, build }] of real.nodes) {
    if (node.fenced) continue;
    for (const key of ["k1", "k2", "k3", undefined, undefined]) {
      const written = node.writeLevel(TYPE, key === undefined ? {} : { key });
      expect(inRange(builds[build], written), `${id} (${build}) writes v${written}, which it cannot write`).toBe(true);
      for (const member of members) {
        expect(inRange(builds[member.build as BuildId], written), `${id} writes v${written}, which member ${member.nodeId} cannot read`).toBe(true);
      }
      if (record !== undefined) expect(requiredLevels(record)).toContain(written);
    }
  }
}

test("no member ever meets a level it cannot read, under races, crashes, restarts and staleness", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        seed: fc.integer(),
        commands: fc.commands(
          [singleStep, raceStep, bootDuringEnable].map((steps) => steps.map((step) => new StepCommand(step))),
          { maxCommands: 40 },
        ),
      }),
      async ({ seed, commands }) => {
        const clock = new FakeClock();
        const inner = new MemoryControlPlane({ clock: clock.now, advertisementTtlMs: 45_000 });
        const plane = chaosControlPlane(inner, seed);
        const options = { staleAfterMs: 15_000, drainWindowMs: 60_000, intentTimeoutMs: 30_000 };
        const real: Real = { clock, plane, coordinators: [new Coordinator(plane, options), new Coordinator(plane, options)], nodes: new Map() };
        await real.coordinators[0]?.enableWrite(TYPE, 1, { actor: "setup", reason: "adopt twostep at v1" });
        try {
          await fc.asyncModelRun(() => ({ model: { running: new Set<string>() }, real }), commands);
        } finally {
          await Promise.all([...real.nodes.values()].map(({ node }) => node.stop()));
        }
      },
    ),
    { numRuns: 150 },
  );
});
