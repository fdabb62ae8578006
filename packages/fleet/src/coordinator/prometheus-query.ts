/** What a Prometheus instant query gave: its value (the largest of a vector), or why there is none. */
export type QueryResult = { readonly ok: true; readonly value: number; readonly series: number } | { readonly ok: false; readonly problem: string };

/**
 * Runs an instant query through Prometheus's HTTP API (`GET
 * /api/v1/query`), bounded by `timeoutMs`. A vector gives its largest value
 * (the series a gate fears most), a scalar its value; an empty result, an
 * error or a value that is not a number is a problem, never a pass.
 */
export async function queryPrometheus(url: string, query: string, timeoutMs: number): Promise<QueryResult> {
  const address = `${url.replace(/\/+$/, "")}/api/v1/query?query=${encodeURIComponent(query)}`;
  let body: unknown;
  try {
    const response = await fetch(address, { signal: AbortSignal.timeout(timeoutMs) });
    body = await response.json();
    if (!response.ok) return { ok: false, problem: `Prometheus answered ${response.status}: ${errorOf(body)}` };
  } catch (error) {
    return { ok: false, problem: `Prometheus at ${url} could not be asked: ${error instanceof Error ? error.message : String(error)}` };
  }
  const data = (body as { data?: { resultType?: string; result?: unknown } }).data;
  const values: number[] = [];
  if (data?.resultType === "scalar") values.push(Number((data.result as [number, string])[1]));
  else if (data?.resultType === "vector") for (const sample of data.result as { value: [number, string] }[]) values.push(Number(sample.value[1]));
  else return { ok: false, problem: `Prometheus answered a ${data?.resultType ?? "missing"} result: write a query that gives a vector or a scalar` };
  const numbers = values.filter((value) => Number.isFinite(value));
  if (numbers.length === 0) return { ok: false, problem: values.length === 0 ? "the query gave no series (no data yet?)" : "the query gave no finite value" };
  return { ok: true, value: Math.max(...numbers), series: numbers.length };
}

function errorOf(body: unknown): string {
  const error = (body as { error?: unknown }).error;
  return typeof error === "string" ? error : "no error message";
}
