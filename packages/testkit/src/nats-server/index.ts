export { startNatsServer } from "./start-nats-server.js";
export type { NatsServer, NatsServerOptions } from "./start-nats-server.js";
export { NatsServerError, NatsServerErrorCode } from "./nats-server-error.js";
