export { startPrometheus } from "./start-prometheus.js";
export type { PrometheusOptions, PrometheusServer, ScrapeTarget } from "./start-prometheus.js";
export type { PrometheusSample } from "./prometheus-api.js";
export { PrometheusError, PrometheusErrorCode } from "./prometheus-error.js";
