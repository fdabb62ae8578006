import type { Registry } from "prom-client";

/** One series of a registry: its name (`_bucket`, `_count`, `_sum` for histograms), labels and value. */
export interface Series {
  readonly name: string;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly value: number;
}

/** Every series of `registry` named `name` whose labels include `labels`; collects the registry (a scrape). */
export async function seriesOf(registry: Registry, name: string, labels: Readonly<Record<string, string | number>> = {}): Promise<Series[]> {
  const metrics = await registry.getMetricsAsJSON();
  const found: Series[] = [];
  for (const metric of metrics) {
    for (const sample of metric.values as { labels: Record<string, string | number>; value: number; metricName?: string }[]) {
      const series = { name: sample.metricName ?? metric.name, labels: sample.labels, value: sample.value };
      if (series.name === name && Object.entries(labels).every(([label, value]) => String(series.labels[label]) === String(value))) found.push(series);
    }
  }
  return found;
}

/** The value of the one series of `registry` named `name` with `labels`, or undefined when there is none; throws when several match. */
export async function seriesValue(registry: Registry, name: string, labels: Readonly<Record<string, string | number>> = {}): Promise<number | undefined> {
  const found = await seriesOf(registry, name, labels);
  if (found.length > 1) throw new Error(`${found.length} series of ${name} match ${JSON.stringify(labels)}: name every label`);
  return found[0]?.value;
}
