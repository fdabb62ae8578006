import { Coordinator, type WriteLevelRequest } from "@twostep/fleet";
import { expect, test } from "vitest";
import type { BuildId } from "./support/builds.js";
import { TYPE } from "./support/fleet-harness.js";
import { explore, type Exploration, type Scheduler } from "./support/interleaving-explorer.js";
import { DRAIN_MS, isRefusal, ModelFleet } from "./support/model-fleet.js";

/**
 * Every interleaving, call by call, of small configurations (two nodes on
 * three builds, two coordinators, three levels, crashes, partitions and the
 * clock moving), run on the real decision code of nodes and coordinators.
 * After every step: no member's build misses a committed level, every
 * running process reads every level in flight, and every level a process
 * may write is still required.
 */

const who = { actor: "explorer", reason: "every interleaving" };

/** A state the fleet is brought to before the actors run (not explored). */
type Setup = (fleet: ModelFleet) => Promise<void>;

/** What one actor does; `plane`-bound objects wait for the scheduler at each call. */
type Actor = { readonly name: string; readonly run: (fleet: ModelFleet, scheduler: Scheduler, actor: number) => Promise<unknown> };

const setups = {
  /** Nothing written yet; n0 runs b2-new. */
  fresh: async (fleet: ModelFleet) => {
    await fleet.start("n0", "b2-new");
  },
  /** v1 written; n0 runs b2-new. */
  v1: async (fleet: ModelFleet) => {
    await fleet.start("n0", "b2-new");
    await fleet.judge.enableWrite(TYPE, 1, who);
    await fleet.judge.change(TYPE, { kind: "policy", drainWindowMs: DRAIN_MS }, who);
  },
  /** v1 then v2 written, long ago; n0 runs b3-next, n1 runs b2-new; every node applied and reported. */
  v2: async (fleet: ModelFleet) => {
    await fleet.start("n0", "b3-next");
    await fleet.start("n1", "b2-new");
    await fleet.judge.enableWrite(TYPE, 1, who);
    await fleet.judge.change(TYPE, { kind: "policy", drainWindowMs: DRAIN_MS }, who);
    fleet.write();
    await fleet.judge.enableWrite(TYPE, 2, who);
    for (let beat = 0; beat < 25; beat++) {
      fleet.clock.advance(3_000);
      await fleet.heartbeat();
    }
  },
  /** v2 enabled over v1 more than the drain window ago, but n1 (b2-new) still writes v1: it has not applied v2. */
  lagging: async (fleet: ModelFleet) => {
    await fleet.start("n0", "b3-next");
    await fleet.start("n1", "b2-new");
    await fleet.judge.enableWrite(TYPE, 1, who);
    await fleet.judge.change(TYPE, { kind: "policy", drainWindowMs: DRAIN_MS }, who);
    fleet.of("n1")[0]?.gate.hold();
    await fleet.judge.enableWrite(TYPE, 2, who);
    for (let beat = 0; beat < 25; beat++) {
      fleet.clock.advance(3_000);
      await fleet.heartbeat();
      fleet.write();
    }
  },
  /** Like `lagging`, then n1 catches up and leaves cleanly, having written v1 moments ago. */
  left: async (fleet: ModelFleet) => {
    await setups.lagging(fleet);
    fleet.of("n1")[0]?.gate.release();
    await fleet.stop("n1");
    fleet.clock.advance(3_000);
    await fleet.heartbeat();
  },
} satisfies Record<string, Setup>;

function coordinator(request: WriteLevelRequest, name: string): Actor {
  return {
    name,
    run: (fleet, scheduler, actor) =>
      new Coordinator(scheduler.gate(actor, fleet.store), { clock: fleet.clock.now, clockMarginMs: 5_000 }).change(TYPE, request, who),
  };
}

function decommission(nodeId: string): Actor {
  return {
    name: `decommission ${nodeId}`,
    run: (fleet, scheduler, actor) => new Coordinator(scheduler.gate(actor, fleet.store), { clock: fleet.clock.now }).decommission(nodeId, who),
  };
}

function start(nodeId: string, build: BuildId): Actor {
  return { name: `start ${nodeId} on ${build}`, run: (fleet, scheduler, actor) => fleet.start(nodeId, build, scheduler.gate(actor, fleet.store)) };
}

function stop(nodeId: string): Actor {
  return { name: `stop ${nodeId}`, run: (fleet) => fleet.stop(nodeId) };
}

/** Events of the world, each at a point of the interleaving: a tick that waits for the scheduler, then the event. */
function events(name: string, ...happen: ((fleet: ModelFleet) => Promise<void> | void)[]): Actor {
  return {
    name,
    run: async (fleet, scheduler, actor) => {
      const clock = scheduler.gate(actor, { tick: async () => {} });
      for (const event of happen) {
        await clock.tick();
        await event(fleet);
        fleet.write();
      }
    },
  };
}

const scenarios: readonly { readonly setup: keyof typeof setups; readonly actors: readonly Actor[] }[] = [
  // 10.1: a first enable while an old build boots.
  { setup: "fresh", actors: [coordinator({ kind: "enable-write", level: 2 }, "enable v2"), start("n1", "b1-old")] },
  {
    setup: "fresh",
    actors: [coordinator({ kind: "enable-write", level: 1 }, "c0 enable v1"), coordinator({ kind: "enable-write", level: 2 }, "c1 enable v2")],
  },
  // The race the intent exists for, and an overlapping restart of the same id on an old build.
  { setup: "v1", actors: [coordinator({ kind: "enable-write", level: 2 }, "enable v2"), start("n1", "b1-old")] },
  { setup: "v1", actors: [coordinator({ kind: "enable-write", level: 2 }, "enable v2"), start("n0", "b1-old"), stop("n0")] },
  // Two coordinators, one ramping and one enabling; a rollback racing a ramp.
  {
    setup: "v1",
    actors: [coordinator({ kind: "enable-write", level: 2 }, "c0 enable v2"), coordinator({ kind: "enable-write", level: 2, percent: 50 }, "c1 ramp v2")],
  },
  {
    setup: "v2",
    actors: [
      coordinator({ kind: "disable-write" }, "c0 disable"),
      coordinator({ kind: "enable-write", level: 3, percent: 50 }, "c1 ramp v3"),
      start("n1", "b1-old"),
    ],
  },
  // A retirement while a writer is cut off and the clock moves, and a decommission of it.
  {
    setup: "v2",
    actors: [
      coordinator({ kind: "retire", level: 1 }, "retire v1"),
      events(
        "cut off n1, 24 s",
        (fleet) => fleet.partition("n1", true),
        (fleet) => fleet.clock.advance(24_000),
      ),
      decommission("n1"),
    ],
  },
  // A retirement while a writer lags behind the records, and once it left having written the level moments ago.
  { setup: "lagging", actors: [coordinator({ kind: "retire", level: 1 }, "retire v1"), events("n1 catches up", (fleet) => fleet.of("n1")[0]?.gate.release())] },
  { setup: "left", actors: [coordinator({ kind: "retire", level: 1 }, "retire v1"), start("n1", "b4-dropped-v1")] },
  // A retirement while an old build boots and a node crashes.
  { setup: "v2", actors: [coordinator({ kind: "retire", level: 1 }, "retire v1"), start("n1", "b1-old"), events("crash n0", (fleet) => fleet.crash("n0"))] },
  // A decommission racing the node's own heartbeat and the clock.
  {
    setup: "v1",
    actors: [
      decommission("n0"),
      { name: "heartbeat n0", run: (fleet) => fleet.heartbeat() },
      events(
        "cut off n0, 21 s",
        (fleet) => fleet.partition("n0", true),
        (fleet) => fleet.clock.advance(21_000),
      ),
    ],
  },
];

test("every interleaving of small configurations keeps the promise (states explored are reported)", { timeout: 240_000 }, async () => {
  const results: { scenario: string; exploration: Exploration }[] = [];
  for (const scenario of scenarios) {
    const exploration = await explore(async (scheduler) => {
      const fleet = new ModelFleet();
      await setups[scenario.setup](fleet);
      for (const actor of scenario.actors) {
        const index = scheduler.next;
        scheduler.spawn(actor.name, () => actor.run(fleet, scheduler, index), isRefusal);
      }
      return { check: () => fleet.violations().then((problems) => [...problems, ...fleet.write()]), close: () => fleet.close() };
    });
    const name = `${scenario.setup}: ${scenario.actors.map((actor) => actor.name).join(" | ")}`;
    results.push({ scenario: name, exploration });
    expect(exploration.violation, `${name}\n${exploration.violation?.steps.join("\n")}`).toBeNull();
  }
  const total = results.reduce((sum, { exploration }) => ({ executions: sum.executions + exploration.executions, states: sum.states + exploration.states }), {
    executions: 0,
    states: 0,
  });
  console.log(
    [
      `interleavings explored: ${total.executions} executions, ${total.states} states`,
      ...results.map(({ scenario, exploration }) => `  ${exploration.executions} / ${exploration.states}  ${scenario}`),
    ].join("\n"),
  );
  // Every scenario ran more than one interleaving: the scheduler really interleaved the actors.
  for (const { exploration } of results) expect(exploration.executions).toBeGreaterThan(1);
});
