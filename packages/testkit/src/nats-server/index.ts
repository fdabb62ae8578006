export { startNatsServer } from "./start-nats-server.js";
export type { NatsServer, NatsServerOptions } from "./start-nats-server.js";
export { startNatsCluster } from "./start-nats-cluster.js";
export type { NatsCluster, NatsClusterOptions, NatsClusterServer } from "./start-nats-cluster.js";
export { NatsServerError, NatsServerErrorCode } from "./nats-server-error.js";
