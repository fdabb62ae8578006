import { type PrometheusServer, startPrometheus } from "@twostep/testkit/prometheus";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildPackage, type NodeProcess, startNodeProcess } from "./support/node-processes.js";

const TYPE = "orders.OrderPlaced";
/** Frames each node process writes and reads back before it serves its metrics. */
const FRAMES: Readonly<Record<string, number>> = { n1: 3, n2: 5, n3: 7 };

describe("a real Prometheus scraping real node processes", () => {
  const nodes: NodeProcess[] = [];
  let prometheus: PrometheusServer | undefined;

  beforeAll(async () => {
    await buildPackage();
    nodes.push(...(await Promise.all(Object.entries(FRAMES).map(([nodeId, frames]) => startNodeProcess(nodeId, frames)))));
    // Each process counted its frames before it listened: Prometheus's first scrape, which startPrometheus waits for, holds them all.
    prometheus = await startPrometheus({
      scrapeTargets: nodes.map((node) => ({ address: node.address, labels: { node: node.nodeId } })),
      scrapeIntervalMs: 250,
    });
  }, 120_000);

  afterAll(async () => {
    await prometheus?.stop();
    await Promise.all(nodes.map((node) => node.stop()));
  });

  /** The query's result as `{ node: value }`. */
  async function byNode(query: string): Promise<Record<string, number>> {
    const samples = (await prometheus?.query(query)) ?? [];
    return Object.fromEntries(samples.map((sample) => [sample.metric["node"] ?? "?", sample.value]));
  }

  test("the frame counters of every node process are queryable per node, type, version and outcome", async () => {
    expect(await byNode(`sum by (node) (twostep_frames_total{type="${TYPE}",version="1",outcome="encoded"})`)).toEqual(FRAMES);
    expect(await byNode(`sum by (node) (twostep_frames_total{type="${TYPE}",version="1",outcome="decoded"})`)).toEqual(FRAMES);
    expect(await byNode(`sum by (node) (twostep_frames_total{outcome="dead_lettered",type="?"})`)).toEqual({ n1: 1, n2: 1, n3: 1 });
    expect(await byNode(`sum by (node) (twostep_dead_letters_total{code="CORRUPT_FRAME"})`)).toEqual({ n1: 1, n2: 1, n3: 1 });
  });

  test("the decode histograms hold every frame read, so a quantile across the fleet can be asked for", async () => {
    expect(await byNode(`sum by (node) (twostep_decode_duration_seconds_count{type="${TYPE}",version="1"})`)).toEqual(FRAMES);
    const p99 = await prometheus?.query(`histogram_quantile(0.99, sum by (le) (twostep_decode_duration_seconds_bucket{type="${TYPE}"}))`);
    expect(p99).toHaveLength(1);
    expect(p99?.[0]?.value).toBeGreaterThan(0);
  });

  test("the state gauges show each node's identity, write level, applied revision and that none is fenced", async () => {
    const info = (await prometheus?.query("twostep_node_info")) ?? [];
    expect(info.map((sample) => [sample.metric["node"], sample.metric["node_id"], sample.metric["service"]]).sort()).toEqual([
      ["n1", "n1", "orders"],
      ["n2", "n2", "orders"],
      ["n3", "n3", "orders"],
    ]);
    expect(await byNode(`twostep_node_write_level{capability="${TYPE}"}`)).toEqual({ n1: 1, n2: 1, n3: 1 });
    const applied = await byNode(`twostep_node_applied_revision{capability="${TYPE}"}`);
    expect(Object.values(applied).every((revision) => revision > 0)).toBe(true);
    expect(await byNode("twostep_node_fenced")).toEqual({ n1: 0, n2: 0, n3: 0 });
  });
});
