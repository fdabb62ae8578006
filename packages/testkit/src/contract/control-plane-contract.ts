import { afterEach, beforeEach, describe } from "vitest";
import { advertisementCases } from "./advertisement-cases.js";
import { auditCases } from "./audit-cases.js";
import { ContractRun, type ControlPlaneFactory } from "./contract-context.js";
import { fakeTime, realTime } from "./contract-time.js";
import { levelCases } from "./level-cases.js";

/** Options of {@link controlPlaneContract}. */
export interface ControlPlaneContractOptions {
  /**
   * `fake` (the default): the suite hands the factory a clock that it
   * moves itself, so expiry takes no time; the implementation must judge
   * time by it. `real`: the implementation keeps its own clock (such as
   * server timestamps) and the suite sleeps through the TTL.
   */
  readonly time?: "fake" | "real";
  /** The advertisement TTL the factory is asked for. Defaults to 60 s with fake time, 1.5 s with real time. */
  readonly advertisementTtlMs?: number;
  /** Runs of each property (round trips, races). Defaults to 25. */
  readonly runs?: number;
}

/**
 * The contract every `ControlPlane` implementation passes, as a vitest
 * suite named after `name`: advertisements (seenAt set by the control plane,
 * expiry after the TTL), members, compare-and-set of write levels (create
 * once, stale revisions refused, strictly increasing revisions, exactly one
 * winner of a race on any interleaving, linearizable across clients),
 * watches in revision order, the audit log (filter, last N, watch), copies
 * in and out, and close. Call it at the top level of a test file.
 *
 * The factory is called once per test for a fresh `namespace`, and again
 * with the same namespace whenever a case needs a second client of the same
 * state; every client it returns is closed after the test. With fake time
 * pass `clock` on to the implementation:
 *
 * ```ts
 * controlPlaneContract("MemoryControlPlane", ({ namespace, clock, advertisementTtlMs }) =>
 *   memo(namespace, () => new MemoryControlPlane({ clock, advertisementTtlMs })));
 * controlPlaneContract("NatsControlPlane", ({ namespace, advertisementTtlMs }) =>
 *   connectNatsControlPlane({ servers: server.url, bucketPrefix: namespace, advertisementTtlMs }), { time: "real" });
 * ```
 */
export function controlPlaneContract(name: string, factory: ControlPlaneFactory, options: ControlPlaneContractOptions = {}): void {
  const real = options.time === "real";
  const run = new ContractRun(factory, real ? realTime : fakeTime, options.advertisementTtlMs ?? (real ? 1_500 : 60_000), options.runs ?? 25);
  describe(`${name} passes the control-plane contract`, () => {
    beforeEach(() => run.begin());
    afterEach(() => run.end());
    advertisementCases(run);
    levelCases(run);
    auditCases(run);
  });
}
