/**
 * Prometheus metrics for twostep, through prom-client: a node's frames
 * (counted and timed per type, wire version and outcome) and state (applied
 * revisions, write levels, fenced), a coordinator's or controller's view of
 * the fleet (readers per level, blockers, members, convergence, rollouts),
 * and a small HTTP exporter. Every metric, its labels and example gate
 * queries: docs/rollouts.md.
 *
 * @example
 * const metrics = nodeMetrics(new Registry());
 * const node = await startNode({ ...options, observer: metrics });
 * metrics.observe(node);
 * await serveMetrics({ registry: metrics.registry, port: 9464 });
 */
export { fleetMetrics } from "./fleet-metrics.js";
export { LATENCY_BUCKETS, nodeMetrics } from "./node-metrics.js";
export { serveMetrics } from "./serve-metrics.js";
export { MetricsErrorCode, MetricsRegisteredError } from "./metrics-error.js";

export type { FleetMetrics } from "./fleet-metrics.js";
export type { NodeMetrics, NodeMetricsOptions, ObservedNode } from "./node-metrics.js";
export type { MetricsServer, ServeMetricsOptions } from "./serve-metrics.js";
