import type { FleetNode, FrameObserver } from "@twostep/fleet";
import { Counter, Histogram, register, type Registry } from "prom-client";
import { MetricsRegisteredError } from "./metrics-error.js";
import { type GaugeSamples, sampleCollector, scrapeGauges } from "./scrape-gauges.js";

/** What the gauges of {@link nodeMetrics} read from a node: a `FleetNode` has it all. */
export type ObservedNode = Pick<FleetNode, "nodeId" | "service" | "build" | "protocol" | "status">;

/** Options of {@link nodeMetrics}. */
export interface NodeMetricsOptions {
  /** Upper bounds of the encode and decode latency buckets, in seconds. Defaults to {@link LATENCY_BUCKETS}. */
  readonly buckets?: readonly number[];
}

/**
 * A node's metrics: pass it as the node's `observer` (it counts and times
 * every frame) and hand it the node with {@link NodeMetrics.observe} (its
 * gauges read `node.status()` at each scrape).
 */
export interface NodeMetrics extends FrameObserver {
  /** The registry the metrics are in: serve it (`serveMetrics`) or merge it into the process's own. */
  readonly registry: Registry;
  /**
   * Reports `node`'s state from now on, read once per scrape, in place of
   * the node observed before, and starts its frame counters at zero for
   * every type and version it reads or writes (so that `rate()` sees their
   * first frames). Returns a function that stops reporting it.
   */
  observe(node: ObservedNode): () => void;
}

/** The default latency buckets, in seconds: 10 µs to 2.5 s, as codecs and migrations take microseconds to milliseconds. */
export const LATENCY_BUCKETS: readonly number[] = [
  0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
];

/** How many levels of one type are started at zero at most: a malformed range must not make thousands of series. */
const MAX_LEVELS = 64;

const nodeGauges = {
  twostep_node_info: { help: "Always 1: the observed node's id, service and build, to join other series on.", labelNames: ["node_id", "service", "build"] },
  twostep_node_fenced: { help: "1 while the node does not write (lease lost, decommissioned, a required level it cannot read), else 0.", labelNames: [] },
  twostep_node_store_regressed: { help: "1 while the node sees the control plane's store behind what it applied before, else 0.", labelNames: [] },
  twostep_node_unreadable_records: { help: "Records the node cannot read (it keeps what it applied before).", labelNames: [] },
  twostep_node_applied_revision: { help: "The write-level record revision the node writes each capability by (0: none).", labelNames: ["capability"] },
  twostep_node_write_level: {
    help: "The level the node writes each capability at, outside a ramp's share; absent when it writes none.",
    labelNames: ["capability"],
  },
  twostep_node_ramp_level: {
    help: "The level a ramp's share of this node's writes uses; absent without a ramp that selects this node.",
    labelNames: ["capability"],
  },
  twostep_node_ramp_ratio: {
    help: "The share of this node's writes at the ramp level, 0 to 1; absent without a ramp that selects this node.",
    labelNames: ["capability"],
  },
} as const;

/**
 * Prometheus metrics of one node, in `registry` (defaults to prom-client's
 * global registry). Frames are counted and timed as they pass (encode and
 * decode latency per type and wire version: a decode's includes the
 * upgrades to the newest shape, so it is the codec plus migration cost of
 * that version); the node's state is read at scrape time, once per scrape.
 * Metric names and labels are listed in docs/rollouts.md. Throws
 * {@link MetricsRegisteredError} when the registry holds them already: a
 * process that runs several nodes gives each its own registry.
 */
export function nodeMetrics(registry: Registry = register, options: NodeMetricsOptions = {}): NodeMetrics {
  if (registry.getSingleMetric("twostep_frames_total") !== undefined) throw new MetricsRegisteredError("twostep_frames_total", "nodeMetrics");
  const registers = [registry];
  const frames = new Counter({
    name: "twostep_frames_total",
    help: "Frames by message type, wire version and outcome: encoded, decoded, or dead_lettered (could not be decoded).",
    labelNames: ["type", "version", "outcome"],
    registers,
  });
  const deadLetters = new Counter({
    name: "twostep_dead_letters_total",
    help: "Frames that could not be decoded, by message type, wire version (? when unknown) and error code.",
    labelNames: ["type", "version", "code"],
    registers,
  });
  const buckets = [...(options.buckets ?? LATENCY_BUCKETS)];
  const latency = (name: string, help: string) => new Histogram({ name, help, labelNames: ["type", "version"], buckets, registers });
  const encodeSeconds = latency(
    "twostep_encode_duration_seconds",
    "Time to encode a frame, downgrades to the wire version included, by message type and wire version.",
  );
  const decodeSeconds = latency(
    "twostep_decode_duration_seconds",
    "Time to decode a frame, upgrades to the newest shape included, by message type and wire version.",
  );
  let observed: ObservedNode | undefined;
  scrapeGauges(registry, nodeGauges, () => (observed === undefined ? {} : nodeSamples(observed)));
  const timed =
    (outcome: string, histogram: Histogram<"type" | "version">): FrameObserver["encoded"] =>
    (type, version, seconds) => {
      frames.inc({ type, version, outcome });
      histogram.observe({ type, version }, seconds);
    };
  return {
    registry,
    encoded: timed("encoded", encodeSeconds),
    decoded: timed("decoded", decodeSeconds),
    deadLettered(type, version, code) {
      frames.inc({ type, version, outcome: "dead_lettered" });
      deadLetters.inc({ type, version, code });
    },
    observe(node) {
      observed = node;
      for (const type of node.protocol.types) {
        for (const version of levels(type.writes)) frames.inc({ type: type.name, version, outcome: "encoded" }, 0);
        for (const version of levels(type.reads)) {
          frames.inc({ type: type.name, version, outcome: "decoded" }, 0);
          frames.inc({ type: type.name, version, outcome: "dead_lettered" }, 0);
        }
      }
      return () => {
        if (observed === node) observed = undefined;
      };
    },
  };
}

function nodeSamples(node: ObservedNode): GaugeSamples<keyof typeof nodeGauges> {
  const status = node.status();
  const samples = sampleCollector<keyof typeof nodeGauges>();
  samples.add("twostep_node_info", { node_id: node.nodeId, service: node.service, build: node.build }, 1);
  samples.add("twostep_node_fenced", {}, status.fenced === null ? 0 : 1);
  samples.add("twostep_node_store_regressed", {}, status.regressed === null ? 0 : 1);
  samples.add("twostep_node_unreadable_records", {}, status.unreadable.length);
  for (const [capability, held] of Object.entries(status.capabilities)) {
    samples.add("twostep_node_applied_revision", { capability }, held.applied);
    if (held.level !== null) samples.add("twostep_node_write_level", { capability }, held.level);
    if (held.ramp !== null) {
      samples.add("twostep_node_ramp_level", { capability }, held.ramp.to);
      samples.add("twostep_node_ramp_ratio", { capability }, held.ramp.percent / 100);
    }
  }
  return samples.values;
}

function levels(range: { readonly min: number; readonly max: number }): number[] {
  const result: number[] = [];
  for (let level = Math.max(range.min, range.max - MAX_LEVELS + 1); level <= range.max; level++) result.push(level);
  return result;
}
