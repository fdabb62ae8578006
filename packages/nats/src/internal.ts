/**
 * What twostep's own tests and tools use of `@twostep/nats` beyond its
 * public entry: how entries and heartbeats map to subjects, and the stream
 * configurations. Not for applications: it changes without notice.
 */
export type { SubjectMeaning } from "./entry-subject.js";
export { beatSubject, entrySubject, historyFilters, parseBeatSubject, parseEntrySubject } from "./entry-subject.js";
export type { StreamDefinition } from "./fleet-streams.js";
export { beatsStreamConfig, fleetStreamConfig } from "./fleet-streams.js";
export type { NatsCallContext } from "./translate-nats-error.js";
export { translateNatsError } from "./translate-nats-error.js";
export type { MalformedSubject } from "./nats-session.js";
export { NatsSession } from "./nats-session.js";
export type { FollowerParts } from "./record-follower.js";
export { RecordFollower } from "./record-follower.js";
