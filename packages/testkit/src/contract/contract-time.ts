import { setTimeout as sleep } from "node:timers/promises";

/** How a contract run passes time. */
export interface ContractTime {
  /** The clock handed to the factory: a fake one, or undefined on real time. */
  readonly clock: (() => number) | undefined;
  /** The suite's idea of now, ms since the epoch. */
  now(): number;
  /** Lets `ms` pass: moves the fake clock at once, or sleeps. */
  advance(ms: number): Promise<void>;
  /** How far a control plane's timestamps may stray from {@link ContractTime.now} (a server's clock, ms rounding). */
  readonly tolerance: number;
  /** How long to wait to be fairly sure that something does not happen. */
  readonly quietMs: number;
}

/** A fake clock, starting at a fixed instant, that only {@link ContractTime.advance} moves. */
export function fakeTime(): ContractTime {
  let now = 1_700_000_000_000;
  return {
    clock: () => now,
    now: () => now,
    advance: async (ms) => {
      now += ms;
    },
    tolerance: 0,
    quietMs: 20,
  };
}

/** Real time: the implementation uses its own clock and the suite sleeps. */
export function realTime(): ContractTime {
  return { clock: undefined, now: Date.now, advance: (ms) => sleep(ms), tolerance: 1_000, quietMs: 150 };
}
