/**
 * What twostep's own tests and tools use of `@twostep/nats` beyond its
 * public entry: how entries and heartbeats map to subjects, and the stream
 * configuration of the log. Not for applications: it changes without notice.
 */
export { beatSubject, entrySubject, parseBeatSubject, parseEntrySubject, markSubject } from "./entry-subject.js";
export type { AckSubject } from "./ack-subject.js";
export { parseAckSubject } from "./ack-subject.js";
export type { ConsumedMessage } from "./stored-message.js";
export { fromConsumer } from "./stored-message.js";
export { fleetStreamConfig } from "./fleet-streams.js";
export { translateNatsError } from "./translate-nats-error.js";
export { NatsSession } from "./nats-session.js";
export type { FollowerParts, FollowSeed } from "./record-follower.js";
export { RecordFollower } from "./record-follower.js";
