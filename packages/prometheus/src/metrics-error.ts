import { TwostepError } from "@twostep/core";

/** Stable codes of the errors raised by `@twostep/prometheus`. */
export const MetricsErrorCode = {
  /** The registry holds twostep's metrics already. */
  AlreadyRegistered: "METRICS_ALREADY_REGISTERED",
} as const;

/** One of the codes in {@link MetricsErrorCode}. */
export type MetricsErrorCode = (typeof MetricsErrorCode)[keyof typeof MetricsErrorCode];

/**
 * `nodeMetrics` or `fleetMetrics` was called twice on one registry: a
 * registry holds one set of each (two would clash on metric names).
 * `metric` names the one found.
 */
export class MetricsRegisteredError extends TwostepError {
  constructor(
    /** The metric the registry holds already. */
    readonly metric: string,
    /** `nodeMetrics` or `fleetMetrics`. */
    readonly factory: string,
  ) {
    super(
      MetricsErrorCode.AlreadyRegistered,
      `this registry holds ${metric} already: call ${factory}() once per registry, ` +
        `and give each node of a process that runs several its own registry (new Registry() from prom-client)`,
    );
  }
}
