/**
 * `@twostep/nats`: the twostep control plane on NATS JetStream. Connect
 * with {@link connectNatsControlPlane}; see docs/nats.md for the layout,
 * the safety argument, permissions and sizing.
 */
export type { NatsTlsOptions } from "./client-options.js";
export type { NatsControlPlaneOptions } from "./connect-nats-control-plane.js";
export { connectNatsControlPlane } from "./connect-nats-control-plane.js";
export { decodeKey, encodeKey } from "./key-codec.js";
export { NatsControlPlane } from "./nats-control-plane.js";
export type { NatsLayout } from "./nats-layout.js";
export { natsLayout } from "./nats-layout.js";
export type { MalformedSubject } from "./nats-session.js";
