export { connectNatsControlPlane } from "./connect-nats-control-plane.js";
export type { NatsControlPlaneOptions } from "./connect-nats-control-plane.js";
export { NatsControlPlane } from "./nats-control-plane.js";
export type { NatsControlPlaneParts } from "./nats-control-plane.js";
export { natsLayout } from "./nats-layout.js";
export type { NatsLayout } from "./nats-layout.js";
export { decodeKey, encodeKey } from "./key-codec.js";
