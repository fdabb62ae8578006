import type { Blocker, FleetStatus, MemberStatus, WriteLevelRecord } from "@twostep/fleet";
import { groupBlockers, type BlockerGroup } from "../render/blocker-groups.js";
import { groupMembers, type MemberGroup } from "../render/member-groups.js";

/** One capability in `twostep status --json` (docs/cli.md). */
export interface CapabilityJson {
  readonly capability: string;
  /** Revision of the write-level record; 0 when there is none. */
  readonly revision: number;
  /** The write-level record, or null when nothing was ever enabled. */
  readonly record: WriteLevelRecord | null;
  /** Levels every member must read now. */
  readonly required: readonly number[];
  /** Per level (as a string key): live members that read it. */
  readonly readers: Readonly<Record<string, number>>;
  /** The level a release would enable next, or null. */
  readonly next: number | null;
  /** True when `next` is set and nobody blocks it. */
  readonly readyForNext: boolean;
  readonly blockers: readonly Blocker[];
  readonly blockerGroups: readonly BlockerGroup[];
}

/** `twostep status --json`: a stable shape, documented in docs/cli.md. */
export interface StatusJson {
  /** Version of this shape; bumped only for incompatible changes. */
  readonly format: 1;
  /** When the status was read, ms since the epoch (control-plane clock). */
  readonly at: number;
  readonly memberCount: number;
  readonly capabilities: readonly CapabilityJson[];
  /** Members grouped by service and build. */
  readonly groups: readonly MemberGroup[];
  readonly members: readonly MemberStatus[];
}

/** Maps the coordinator's status to the documented JSON shape. */
export function statusJson(status: FleetStatus, capability?: string): StatusJson {
  return {
    format: 1,
    at: status.at,
    memberCount: status.memberCount,
    capabilities: status.capabilities.map((entry) => ({
      capability: entry.capability,
      revision: entry.revision,
      record: entry.record,
      required: entry.required,
      readers: entry.readers,
      next: entry.next,
      readyForNext: entry.next !== null && entry.blockers.length === 0,
      blockers: entry.blockers,
      blockerGroups: groupBlockers(entry.blockers),
    })),
    groups: groupMembers(status.members, capability),
    members: status.members,
  };
}
