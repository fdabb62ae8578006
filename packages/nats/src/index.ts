export type { NatsControlPlaneOptions } from "./connect-nats-control-plane.js";
export { connectNatsControlPlane } from "./connect-nats-control-plane.js";
export { decodeKey, encodeKey } from "./key-codec.js";
export { NatsControlPlane } from "./nats-control-plane.js";
export type { NatsLayout } from "./nats-layout.js";
export { natsLayout } from "./nats-layout.js";
export type { MalformedSubject } from "./nats-session.js";
