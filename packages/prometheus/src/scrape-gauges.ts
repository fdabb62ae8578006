import { Gauge, type Registry } from "prom-client";
import { sharedRead } from "./shared-read.js";

/** One gauge: what it means (its HELP line) and its label names. */
export interface GaugeSpec {
  readonly help: string;
  readonly labelNames: readonly string[];
}

/** One value of a gauge, with its labels. */
export type GaugeSample = readonly [labels: Readonly<Record<string, string | number>>, value: number];

/** The values of every gauge at one scrape, by metric name; a gauge left out has no series. */
export type GaugeSamples<Name extends string> = Partial<Record<Name, readonly GaugeSample[]>>;

/**
 * Registers a gauge per entry of `specs` (keyed by metric name) whose series
 * are set at scrape time from `read()`: called once per scrape, its result
 * shared by every gauge, each of which drops the series of the scrape before.
 * When `read()` throws, the scrape fails (the exporter answers 500 and
 * Prometheus records the target as down) rather than showing stale values.
 */
export function scrapeGauges<Name extends string>(
  registry: Registry,
  specs: Readonly<Record<Name, GaugeSpec>>,
  read: () => GaugeSamples<Name> | Promise<GaugeSamples<Name>>,
): void {
  const samples = sharedRead(read);
  for (const [name, spec] of Object.entries<GaugeSpec>(specs)) {
    const gauge: Gauge<string> = new Gauge({
      name,
      help: spec.help,
      labelNames: spec.labelNames,
      registers: [registry],
      collect: async () => {
        const values = (await samples())[name as Name] ?? [];
        gauge.reset();
        // A gauge without labels has a series of 0 after a reset: leave it out when there is no value.
        if (spec.labelNames.length === 0 && values.length === 0) gauge.remove({});
        for (const [labels, value] of values) gauge.set(labels, value);
      },
    });
  }
}

/** Gathers the samples of one scrape by metric name, for {@link scrapeGauges}. */
export function sampleCollector<Name extends string>(): {
  readonly values: GaugeSamples<Name>;
  add(name: Name, labels: GaugeSample[0], value: number): void;
} {
  const values: Partial<Record<Name, GaugeSample[]>> = {};
  return {
    values,
    add(name, labels, value) {
      const list = values[name] ?? [];
      list.push([labels, value]);
      values[name] = list;
    },
  };
}
