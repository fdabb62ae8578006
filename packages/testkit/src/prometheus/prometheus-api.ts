import { PrometheusError, PrometheusErrorCode } from "./prometheus-error.js";

/** One series of an instant query's result, with its value as a number (`NaN` and `±Inf` included). */
export interface PrometheusSample {
  /** Its labels, `__name__` included when the query kept it. */
  readonly metric: Readonly<Record<string, string>>;
  readonly value: number;
  /** The sample's time, in seconds since the epoch (the evaluation time of an instant query). */
  readonly at: number;
}

/** A scrape target as `/api/v1/targets` reports it. */
export interface ActiveTarget {
  readonly scrapeUrl: string;
  readonly health: "up" | "down" | "unknown";
  readonly lastError: string;
}

/** True when `GET /-/ready` answers 200; false on any error or after 1 s. */
export async function answersReady(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

/** The active targets, or undefined when the server does not answer (within 1 s). */
export async function activeTargets(url: string): Promise<readonly ActiveTarget[] | undefined> {
  try {
    const response = await fetch(`${url}/api/v1/targets?state=active`, { signal: AbortSignal.timeout(1_000) });
    const body = (await response.json()) as { data?: { activeTargets?: ActiveTarget[] } };
    return body.data?.activeTargets;
  } catch {
    return undefined;
  }
}

/**
 * Runs an instant query (`GET /api/v1/query`) and returns its samples: a
 * vector's series, or a scalar as one sample without labels. Throws a
 * `PROMETHEUS_QUERY_FAILED` {@link PrometheusError} with the server's error
 * when the query is refused or the server does not answer within `timeoutMs`.
 */
export async function instantQuery(url: string, query: string, timeoutMs = 5_000): Promise<readonly PrometheusSample[]> {
  let body: { status?: string; error?: string; data?: { resultType?: string; result?: unknown } };
  try {
    const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`, { signal: AbortSignal.timeout(timeoutMs) });
    body = (await response.json()) as typeof body;
  } catch (error) {
    throw new PrometheusError(PrometheusErrorCode.QueryFailed, `Prometheus at ${url} did not answer the query ${query}: ${String(error)}`, { cause: error });
  }
  if (body.status !== "success")
    throw new PrometheusError(PrometheusErrorCode.QueryFailed, `Prometheus refused the query ${query}: ${body.error ?? "no error message"}`);
  const { resultType, result } = body.data ?? {};
  if (resultType === "scalar") {
    const [at, value] = result as [number, string];
    return [{ metric: {}, value: Number(value), at }];
  }
  if (resultType === "vector") {
    return (result as { metric: Record<string, string>; value: [number, string] }[]).map(({ metric, value: [at, value] }) => ({
      metric,
      value: Number(value),
      at,
    }));
  }
  throw new PrometheusError(PrometheusErrorCode.QueryFailed, `the query ${query} gave a ${resultType ?? "missing"} result: ask for a vector or a scalar`);
}
