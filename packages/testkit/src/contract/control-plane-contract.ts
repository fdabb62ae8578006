import { afterEach, beforeEach, describe } from "vitest";
import { beatCases } from "./beat-cases.js";
import { type ControlPlaneFactory, ContractRun } from "./contract-context.js";
import { fakeTime, realTime } from "./contract-time.js";
import { followCases } from "./follow-cases.js";
import { logCases } from "./log-cases.js";
import { ownStateCases } from "./own-state-cases.js";

/** Options of {@link controlPlaneContract}. */
export interface ControlPlaneContractOptions {
  /**
   * `fake` (the default): the suite hands the factory a clock that it
   * moves itself, so expiry takes no time; the implementation must judge
   * time by it. `real`: the implementation keeps its own clock (such as
   * server timestamps) and the suite sleeps through the TTL.
   */
  readonly time?: "fake" | "real";
  /** The heartbeat TTL the factory is asked for. Defaults to 60 s with fake time, 1.5 s with real time. */
  readonly beatTtlMs?: number;
  /** Runs of each property (races, random appends). Defaults to 25. */
  readonly runs?: number;
}

/**
 * The contract every `ControlPlane` implementation passes, as a vitest
 * suite named after `name`: the log (revisions over all keys,
 * compare-and-set with exactly one winner of a race, tombstones, the two
 * scopes, reads as of a position, registration that sees an intent or is
 * seen by a read as of it, history and its watch, copies in and out,
 * names of any kind), following the records, heartbeats (renewal by
 * compare-and-set, tombstones, the last one stored, expiry, the control
 * plane's clock), and
 * twostep's own state (bytes no twostep reads handed back as they are, a
 * store that went backwards shown by a lower position). Call it
 * at the top level of a test file.
 *
 * The factory is called once per test for a fresh `namespace`, and again
 * with the same namespace whenever a case needs a second client of the same
 * state; every client it returns is closed after the test. With fake time
 * pass `clock` on to the implementation:
 *
 * ```ts
 * controlPlaneContract("MemoryControlPlane", ({ namespace, clock, beatTtlMs }) =>
 *   memo(namespace, () => new MemoryControlPlane({ clock, beatTtlMs })));
 * ```
 */
export function controlPlaneContract(name: string, factory: ControlPlaneFactory, options: ControlPlaneContractOptions = {}): void {
  const real = options.time === "real";
  const run = new ContractRun(factory, real ? realTime : fakeTime, options.beatTtlMs ?? (real ? 1_500 : 60_000), options.runs ?? 25);
  describe(`${name} passes the control-plane contract`, () => {
    beforeEach(() => run.begin());
    afterEach(() => run.end());
    logCases(run);
    followCases(run);
    beatCases(run);
    ownStateCases(run);
  });
}
