export { BUILD_NAMES, ORDER_PLACED, ORDERS_SUBJECT, isBuildName, orderBuild } from "./order-builds.js";
export type { BuildName, OrderBuild } from "./order-builds.js";
export { orderConsumer } from "./order-consumer.js";
export { orderProducer } from "./order-producer.js";
export { runService, ServiceExit } from "./run-service.js";
export type { Service, ServiceContext, Worker } from "./run-service.js";
export { runRollout } from "./run-rollout.js";
export type { RolloutOptions, RolloutSummary } from "./run-rollout.js";
export type { ServiceStats, VersionCounts } from "./service-process.js";
