/** Which kind of follower: twostep nodes, or raw NATS jobs doing the same by hand. */
export type Side = "twostep" | "raw";

/** Starts `count` twostep nodes, numbered from `from`, each on its own connection. */
export interface StartTwostep {
  readonly op: "twostep";
  readonly servers: readonly string[];
  readonly prefix: string;
  readonly from: number;
  readonly count: number;
  /** `shop`: the shop protocol; `wide`: 50 types. */
  readonly protocol: "shop" | "wide";
  readonly heartbeatMs: number;
  /** Node starts in flight at once. */
  readonly concurrency: number;
}

/**
 * Starts `count` raw jobs, numbered from `from`, each on its own
 * connection: a `kv.watch` of one key of `bucket` (each value parsed as
 * JSON, as a follower would) and a `kv.put` of a small JSON heartbeat into
 * `beatsBucket` every `heartbeatMs`.
 */
export interface StartRaw {
  readonly op: "raw";
  readonly servers: readonly string[];
  readonly bucket: string;
  readonly key: string;
  readonly beatsBucket: string;
  readonly capability: string;
  readonly from: number;
  readonly count: number;
  readonly heartbeatMs: number;
  readonly concurrency: number;
}

export type WorkerCommand = StartTwostep | StartRaw | { readonly op: "stop" };

export type WorkerReport =
  /** Every node or job of a start command runs; `restarts`: how many were started again after a failed start. */
  | { readonly op: "ready"; readonly side: Side; readonly count: number; readonly restarts: number }
  /**
   * Every follower of `side` in this worker has `revision`; `at` is when
   * the last one got it, in ms since the epoch with sub-millisecond
   * precision (`performance.timeOrigin + performance.now()`), comparable
   * across the processes of one machine.
   */
  | { readonly op: "arrived"; readonly side: Side; readonly revision: number; readonly at: number }
  | { readonly op: "failed"; readonly message: string };

/** Now, as {@link WorkerReport} `at` counts it. */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}
