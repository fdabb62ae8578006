import type { Blocker, CapabilityStatus, Convergence, FleetStatus, MemberStatus, WriteLevelRecord } from "@twostep/fleet";
import { type BlockerGroup, groupBlockers } from "../render/blocker-groups.js";
import { blockersByLabel, groupByLabel, type LabelBlockers, type LabelGroup } from "../render/label-groups.js";
import { groupMembers, type MemberGroup } from "../render/member-groups.js";

/** One capability in `twostep status --json` (docs/cli.md). */
export interface CapabilityJson {
  readonly capability: string;
  /** Revision of the write-level record; 0 when there is none. */
  readonly revision: number;
  /** The write-level record; null when there is none (writes closed) or it cannot be read (then `problem` says why). */
  readonly record: WriteLevelRecord | null;
  /** Why the record cannot be read, or null. Never the same as no record: nothing takes it as absent. */
  readonly problem: string | null;
  /** `open` (a write level is set), `closed` (nothing enabled: nobody writes) or `unreadable`. */
  readonly writes: "open" | "closed" | "unreadable";
  /** Levels every member must read now. */
  readonly required: readonly number[];
  /** Per level (as a string key): members that read it. */
  readonly readers: Readonly<Record<string, number>>;
  /** Members that take part in the capability. */
  readonly participants: number;
  /** Who applied the current record, and who the record still waits on. */
  readonly convergence: Convergence;
  /** The drain window in force, in ms. */
  readonly drainWindowMs: number;
  /** True when the drain window is the default, not a stored policy. */
  readonly drainWindowIsDefault: boolean;
  /** The level a release would enable next, or null. */
  readonly next: number | null;
  /** True when `next` is set and nobody blocks it. */
  readonly readyForNext: boolean;
  readonly blockers: readonly Blocker[];
  readonly blockerGroups: readonly BlockerGroup[];
  /** With `--by LABEL` only: the blockers per value of the label. */
  readonly blockersBy?: readonly LabelBlockers[];
}

/** `twostep status --json`: a stable shape, documented in docs/cli.md. */
export interface StatusJson {
  /** Version of this shape; bumped only for incompatible changes (2: the log-based control plane). */
  readonly format: 2;
  /** When the status was read, ms since the epoch (control-plane clock). */
  readonly at: number;
  /** The control plane's identity (null before it was set up), what shows its store went backwards, and what cannot be read. */
  readonly plane: FleetStatus["plane"];
  readonly memberCount: number;
  readonly capabilities: readonly CapabilityJson[];
  /** Members grouped by service and build, counted per state. */
  readonly groups: readonly MemberGroup[];
  readonly members: readonly MemberStatus[];
  /** With `--by LABEL` only: the label, and the members grouped by its value, counted per state. */
  readonly by?: { readonly label: string; readonly groups: readonly LabelGroup[] };
}

/** One capability of the coordinator's status in the documented JSON shape. */
export function capabilityJson(entry: CapabilityStatus): CapabilityJson {
  return {
    capability: entry.capability,
    revision: entry.revision,
    record: entry.record,
    problem: entry.problem,
    writes: entry.problem !== null ? "unreadable" : (entry.record?.level ?? null) === null ? "closed" : "open",
    required: entry.required,
    readers: entry.readers,
    participants: entry.participants,
    convergence: entry.convergence,
    drainWindowMs: entry.drainWindowMs,
    drainWindowIsDefault: (entry.record?.policy.drainWindowMs ?? null) === null,
    next: entry.next,
    readyForNext: entry.next !== null && entry.blockers.length === 0,
    blockers: entry.blockers,
    blockerGroups: groupBlockers(entry.blockers),
  };
}

/** Maps the coordinator's status to the documented JSON shape; with `by`, grouped by that label too. */
export function statusJson(status: FleetStatus, capability?: string, by?: string): StatusJson {
  const json: StatusJson = {
    format: 2,
    at: status.at,
    plane: status.plane,
    memberCount: status.memberCount,
    capabilities: status.capabilities.map(capabilityJson),
    groups: groupMembers(status.members, capability),
    members: status.members,
  };
  if (by === undefined) return json;
  return {
    ...json,
    capabilities: json.capabilities.map((entry) => ({ ...entry, blockersBy: blockersByLabel(entry.blockers, status.members, by) })),
    by: { label: by, groups: groupByLabel(status.members, by) },
  };
}
