/**
 * The rollout-ordering rules of `twostep check`: each keeps a change from
 * making the fleet write what some node cannot read, or from dropping a
 * reader that something may still need. They compare the protocol manifest
 * at HEAD (the working tree) with the base revision.
 */
export const RolloutRule = {
  /** A write target names a version that this same change adds: its writer would ship with its reader. */
  WriterWithReader: "WRITER_WITH_READER",
  /** A write target names a version the base does not read for another reason: a new type, or a reader dropped earlier. */
  WriteTargetUnread: "WRITE_TARGET_UNREAD",
  /** A version's reader is removed although the base neither retired it nor stopped writing it. */
  ReaderRemovedUnretired: "READER_REMOVED_UNRETIRED",
  /** A version is marked retired while it is still written: the write target of HEAD, or of the base when this change retires it. */
  RetiredStillWritten: "RETIRED_STILL_WRITTEN",
  /** A type kept its name (or declared its rename) but changed its id. */
  TypeIdChanged: "TYPE_ID_CHANGED",
  /** A type uses an id that the base gave to another type. */
  TypeIdReused: "TYPE_ID_REUSED",
  /** A type disappeared and reappears, with its id and schemas, under a new name that does not declare `renamedFrom`. */
  TypeRenamed: "TYPE_RENAMED",
  /** A shipped version's schema (.proto file and message, or JSON Schema snapshot) now sits at another version number. */
  VersionRenumbered: "VERSION_RENUMBERED",
  /** A shipped protobuf version now names another .proto file or message, so its schema cannot be compared. */
  VersionSchemaMoved: "VERSION_SCHEMA_MOVED",
  /** A raised write target is not read, from a live heartbeat, by every member of the fleet (`--fleet`). */
  FleetNotReadReady: "FLEET_NOT_READ_READY",
  /** A version marked retired, or whose reader is dropped, is not retired in the live fleet: its record still requires it, or cannot be read (`--fleet`). */
  FleetNotRetired: "FLEET_NOT_RETIRED",
  /** A raised write target or a retirement could not be checked against the fleet: the control plane did not answer (`--fleet`). */
  FleetUnreachable: "FLEET_UNREACHABLE",
} as const;

/** One of the rule ids in {@link RolloutRule}. */
export type RolloutRule = (typeof RolloutRule)[keyof typeof RolloutRule];

/** Every rule id of {@link RolloutRule}, sorted. */
export const ROLLOUT_RULES: readonly RolloutRule[] = Object.freeze(Object.values(RolloutRule).sort());
