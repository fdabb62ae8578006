import { isTwostepError } from "@twostep/core";
import { type ControlPlane, FleetErrorCode } from "@twostep/fleet/control-plane";
import fc from "fast-check";
import { expect, vi } from "vitest";
import type { ContractTime } from "./contract-time.js";

/** What a factory gets for each client the contract suite asks for. */
export interface ControlPlaneFactoryOptions {
  /** Heartbeats older than this (on the control plane's clock) must expire. */
  readonly beatTtlMs: number;
  /**
   * With `time: "fake"`, the suite's clock: the control plane must judge
   * time by it (`serverTime()`, `at`, expiry). Absent with `time: "real"`.
   */
  readonly clock?: () => number;
  /**
   * Names the state of one test: each test gets a fresh namespace, and
   * calls with the same namespace must give clients of the same state (a
   * memory implementation returns the same instance; a networked one
   * connects again, using the namespace as its prefix). Lower-case letters
   * and digits, at most 16 characters.
   */
  readonly namespace: string;
}

/** Makes a client of a control plane for the contract suite. */
export type ControlPlaneFactory = (options: ControlPlaneFactoryOptions) => ControlPlane | Promise<ControlPlane>;

/** What the cases of the contract suite share within one test. */
export interface ContractContext {
  /** The client of the running test. */
  readonly plane: ControlPlane;
  /** Another client of the running test's state (a second connection where there is one). */
  peer(): Promise<ControlPlane>;
  /** The running test's time. */
  readonly time: ContractTime;
  readonly ttlMs: number;
  /** Runs of each property. */
  readonly runs: number;
}

let namespaces = 0;

/** The state of the running test: its namespace, clients and time; {@link ContractRun.end} closes the clients. */
export class ContractRun implements ContractContext {
  readonly #factory: ControlPlaneFactory;
  readonly #makeTime: () => ContractTime;
  readonly ttlMs: number;
  readonly runs: number;
  #clients: ControlPlane[] = [];
  #namespace = "";
  #time: ContractTime | undefined;

  constructor(factory: ControlPlaneFactory, makeTime: () => ContractTime, ttlMs: number, runs: number) {
    this.#factory = factory;
    this.#makeTime = makeTime;
    this.ttlMs = ttlMs;
    this.runs = runs;
  }

  get plane(): ControlPlane {
    const plane = this.#clients[0];
    if (plane === undefined) throw new Error("the contract's control plane is used outside a test");
    return plane;
  }

  get time(): ContractTime {
    if (this.#time === undefined) throw new Error("the contract's time is used outside a test");
    return this.#time;
  }

  async begin(): Promise<void> {
    namespaces += 1;
    this.#namespace = `c${namespaces}${Math.random().toString(36).slice(2, 8)}`;
    this.#time = this.#makeTime();
    this.#clients = [];
    await this.peer();
  }

  async peer(): Promise<ControlPlane> {
    const clock = this.time.clock;
    const client = await this.#factory({ beatTtlMs: this.ttlMs, namespace: this.#namespace, ...(clock === undefined ? {} : { clock }) });
    this.#clients.push(client);
    return client;
  }

  async end(): Promise<void> {
    const clients = [...new Set(this.#clients)];
    this.#clients = [];
    await Promise.all(clients.map((client) => client.close()));
  }
}

/** Fails unless `attempt` rejects with a twostep `RevisionConflictError`. */
export async function expectRevisionConflict(attempt: Promise<unknown>): Promise<void> {
  expectRevisionConflictError(
    await attempt.then(
      () => undefined,
      (reason: unknown) => reason,
    ),
  );
}

/** Fails unless `error` is a twostep `RevisionConflictError` (by its code). */
export function expectRevisionConflictError(error: unknown): void {
  expect(isTwostepError(error, FleetErrorCode.RevisionConflict), `expected a RevisionConflictError, got ${String(error)}`).toBe(true);
}

/** Waits, within a few seconds, until `check` passes. */
export async function eventually(check: () => void | Promise<void>): Promise<void> {
  await vi.waitFor(check, { timeout: 5_000, interval: 10 });
}

let sequence = 0;

/** A name no other test of this process uses, for keys that must start empty. */
export function freshName(stem: string): string {
  sequence += 1;
  return `${stem}.${sequence}.${Math.random().toString(36).slice(2, 8)}`;
}

/** Checks `check` for `context.runs` values of `arbitrary`, with the test's client and a second client of the same state. */
export async function forAllWithPeer<T>(
  context: ContractContext,
  arbitrary: fc.Arbitrary<T>,
  check: (value: T, plane: ControlPlane, peer: ControlPlane) => Promise<void>,
): Promise<void> {
  const { plane } = context;
  const peer = await context.peer();
  await fc.assert(
    fc.asyncProperty(arbitrary, (value) => check(value, plane, peer)),
    { numRuns: context.runs },
  );
}
