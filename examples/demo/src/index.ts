export { runDemo } from "./run-demo.js";
export type { DemoOptions, DemoSummary } from "./run-demo.js";
export { demoBuilds } from "./demo-builds.js";
export type { DemoBuild, DemoBuilds } from "./demo-builds.js";
export { OrderTraffic } from "./order-traffic.js";
export type { TrafficCounts } from "./order-traffic.js";
