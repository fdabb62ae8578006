import { encodeEnvelopeHead, isTwostepError } from "@twostep/core";
import { Coordinator, type FleetNode, MemoryControlPlane, startNode } from "@twostep/fleet";
import { MetricsErrorCode, nodeMetrics, type NodeMetrics, type ObservedNode } from "@twostep/prometheus";
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { ordersProtocol, TYPE, WHO } from "./support/orders-protocol.js";
import { seriesOf, seriesValue } from "./support/read-metrics.js";

let plane: MemoryControlPlane;
let coordinator: Coordinator;
let metrics: NodeMetrics;
let node: FleetNode;

beforeEach(async () => {
  plane = new MemoryControlPlane();
  coordinator = new Coordinator(plane);
  metrics = nodeMetrics(new Registry());
  node = await startNode({ controlPlane: plane, protocol: ordersProtocol(2), nodeId: "n1", service: "orders", build: "b2", observer: metrics });
  metrics.observe(node);
});

afterEach(async () => {
  await node.stop();
});

/** Waits until the node applied the newest write-level record of the type. */
async function applied(): Promise<void> {
  const revision = (await coordinator.status(TYPE)).capabilities[0]?.revision ?? 0;
  await vi.waitFor(() => expect(node.appliedRevision(TYPE)).toBe(revision), { timeout: 10_000 });
}

const frames = (version: number | string, outcome: string) => seriesValue(metrics.registry, "twostep_frames_total", { type: TYPE, version, outcome });

describe("nodeMetrics: frames", () => {
  test("counts frames encoded, decoded and dead-lettered per type, version and outcome, starting at zero for every level the build knows", async () => {
    expect(await frames(1, "encoded")).toBe(0);
    expect(await frames(2, "decoded")).toBe(0);
    expect(await frames(2, "dead_lettered")).toBe(0);
    await coordinator.enableWrite(TYPE, 1, WHO);
    await applied();
    const written = [1, 2, 3].map((index) => node.encode(TYPE, { id: `o${index}`, v: 2 }));
    for (const frame of written) node.decode(frame);
    node.decode(node.protocol.type(TYPE).encode({ id: "o4", v: 2 }, 2));
    // A v2 frame that fails its schema, a version no build reads, and a frame that is no envelope at all.
    node.decode(Uint8Array.of(...encodeEnvelopeHead(1, 2), 0x7b));
    node.decode(Uint8Array.of(...encodeEnvelopeHead(1, 9), 0x7b, 0x7d));
    node.decode(Uint8Array.of(0xff, 0x00));

    expect(await frames(1, "encoded")).toBe(3);
    expect(await frames(1, "decoded")).toBe(3);
    expect(await frames(2, "decoded")).toBe(1);
    expect(await frames(2, "dead_lettered")).toBe(1);
    expect(await frames(9, "dead_lettered")).toBe(1);
    // A frame whose type cannot be told counts under type and version `?`.
    expect(await seriesValue(metrics.registry, "twostep_frames_total", { type: "?", version: "?", outcome: "dead_lettered" })).toBe(1);
    const letters = await seriesOf(metrics.registry, "twostep_dead_letters_total");
    expect(letters.map((series) => [series.labels["type"], String(series.labels["version"]), series.labels["code"], series.value]).sort()).toEqual([
      ["?", "?", "CORRUPT_FRAME", 1],
      [TYPE, "2", "INVALID_PAYLOAD", 1],
      [TYPE, "9", "UNKNOWN_VERSION", 1],
    ]);
  });

  test("times encodes and decodes in histograms per type and wire version, in seconds", async () => {
    await coordinator.enableWrite(TYPE, 1, WHO);
    await applied();
    for (let index = 0; index < 5; index++) node.decode(node.encode(TYPE, { id: `o${index}`, v: 2 }));
    node.decode(node.protocol.type(TYPE).encode({ id: "o", v: 2 }, 2));
    const decode = (version: number, series: string) => seriesValue(metrics.registry, `twostep_decode_duration_seconds_${series}`, { type: TYPE, version });
    expect(await seriesValue(metrics.registry, "twostep_encode_duration_seconds_count", { type: TYPE, version: 1 })).toBe(5);
    expect(await decode(1, "count")).toBe(5);
    expect(await decode(2, "count")).toBe(1);
    expect(await decode(1, "sum")).toBeGreaterThan(0);
    // Every observation lands in the +Inf bucket, and the buckets are cumulative.
    const buckets = await seriesOf(metrics.registry, "twostep_decode_duration_seconds_bucket", { type: TYPE, version: 1 });
    expect(buckets.find((bucket) => bucket.labels["le"] === "+Inf")?.value).toBe(5);
    const counts = buckets.map((bucket) => bucket.value);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
  });

  test("takes the histogram buckets it is given", async () => {
    const custom = nodeMetrics(new Registry(), { buckets: [0.001, 1] });
    custom.decoded(TYPE, 1, 0.5);
    const buckets = await seriesOf(custom.registry, "twostep_decode_duration_seconds_bucket");
    expect(buckets.map((bucket) => [bucket.labels["le"], bucket.value])).toEqual([
      [0.001, 0],
      [1, 1],
      ["+Inf", 1],
    ]);
  });
});

describe("nodeMetrics: state", () => {
  test("the gauges show what node.status() says: applied revision, write level, ramp, fenced", async () => {
    expect(await seriesValue(metrics.registry, "twostep_node_info", { node_id: "n1", service: "orders", build: "b2" })).toBe(1);
    expect(await seriesValue(metrics.registry, "twostep_node_applied_revision", { capability: TYPE })).toBe(0);
    expect(await seriesValue(metrics.registry, "twostep_node_write_level", { capability: TYPE })).toBeUndefined();
    expect(await seriesValue(metrics.registry, "twostep_node_fenced")).toBe(0);

    await coordinator.enableWrite(TYPE, 1, WHO);
    await applied();
    expect(await seriesValue(metrics.registry, "twostep_node_applied_revision", { capability: TYPE })).toBe(node.appliedRevision(TYPE));
    expect(await seriesValue(metrics.registry, "twostep_node_write_level", { capability: TYPE })).toBe(1);
    expect(await seriesValue(metrics.registry, "twostep_node_ramp_level", { capability: TYPE })).toBeUndefined();

    await coordinator.change(TYPE, { kind: "enable-write", level: 2, percent: 25 }, WHO);
    await applied();
    expect(await seriesValue(metrics.registry, "twostep_node_write_level", { capability: TYPE })).toBe(1);
    expect(await seriesValue(metrics.registry, "twostep_node_ramp_level", { capability: TYPE })).toBe(2);
    expect(await seriesValue(metrics.registry, "twostep_node_ramp_ratio", { capability: TYPE })).toBe(0.25);
    expect(await seriesValue(metrics.registry, "twostep_node_store_regressed")).toBe(0);
    expect(await seriesValue(metrics.registry, "twostep_node_unreadable_records")).toBe(0);

    await node.stop();
    expect(node.status().fenced).not.toBeNull();
    expect(await seriesValue(metrics.registry, "twostep_node_fenced")).toBe(1);
  });

  test("reads the node's status once per scrape, whatever the number of gauges", async () => {
    let reads = 0;
    const counted: ObservedNode = {
      nodeId: node.nodeId,
      service: node.service,
      build: node.build,
      protocol: node.protocol,
      status: () => {
        reads++;
        return node.status();
      },
    };
    const own = nodeMetrics(new Registry());
    own.observe(counted);
    await own.registry.metrics();
    expect(reads).toBe(1);
    await own.registry.metrics();
    expect(reads).toBe(2);
  });

  test("a node no longer observed leaves no state series", async () => {
    const own = nodeMetrics(new Registry());
    const stop = own.observe(node);
    expect(await seriesValue(own.registry, "twostep_node_fenced")).toBe(0);
    stop();
    expect(await seriesOf(own.registry, "twostep_node_fenced")).toEqual([]);
    expect(await seriesOf(own.registry, "twostep_node_info")).toEqual([]);
  });

  test("a second nodeMetrics on one registry is refused with a code that says to give each node its own", () => {
    let refused: unknown;
    try {
      nodeMetrics(metrics.registry);
    } catch (error) {
      refused = error;
    }
    expect(isTwostepError(refused, MetricsErrorCode.AlreadyRegistered)).toBe(true);
    expect((refused as Error).message).toContain("new Registry()");
  });
});
