import { TwostepError } from "@twostep/core";

/** Stable codes of the errors raised by {@link startPrometheus} and the server it returns. */
export const PrometheusErrorCode = {
  /** The `prometheus` binary is not installed or not on the PATH. */
  Missing: "PROMETHEUS_MISSING",
  /** The server exited, did not answer, or did not scrape its targets before it was ready. */
  NotReady: "PROMETHEUS_NOT_READY",
  /** A query through the HTTP API failed: the server's error says why. */
  QueryFailed: "PROMETHEUS_QUERY_FAILED",
} as const;

/** One of the codes in {@link PrometheusErrorCode}. */
export type PrometheusErrorCode = (typeof PrometheusErrorCode)[keyof typeof PrometheusErrorCode];

/** A test Prometheus could not be started or asked; the message says why and what to do. */
export class PrometheusError extends TwostepError {
  constructor(code: PrometheusErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
