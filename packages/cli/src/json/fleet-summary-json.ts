import type { Convergence, FleetStatus, LevelRange, MemberStatus } from "@twostep/fleet";
import type { BlockerGroup } from "../render/blocker-groups.js";
import type { StateCounts } from "../render/member-groups.js";
import { byCodeUnit, naturalOrder } from "../render/natural-order.js";
import { hasNothingToActOn } from "../render/quiet-capability.js";
import { type CapabilityJson, capabilityJson } from "./status-json.js";

/** The most node ids a list of the summary names (more than the dashboard shows, 8); the list's count says how many there are in all. */
export const SUMMARY_NAMES = 20;

/** Members of one service on one build, counted by state. */
export interface SummaryGroup extends StateCounts {
  readonly service: string;
  readonly build: string;
}

/**
 * Members that look alike to the page: one service and build, the same
 * labels, the same levels read. A fleet of a few builds and a few label
 * values has a few cohorts however many members it has.
 */
export interface Cohort {
  readonly service: string;
  readonly build: string;
  /** Its labels (in the order `Object.fromEntries` gives to names sorted by UTF-16 code unit). */
  readonly labels: Readonly<Record<string, string>>;
  /** What its members read, per capability: an index into {@link FleetSummaryJson.reads}. */
  readonly reads: number;
  /** How many members it holds. */
  readonly members: number;
}

/** Blockers of one reason, level, service and build: the first {@link SUMMARY_NAMES} node ids, and how many there are. */
export interface SummaryBlockerGroup extends Omit<BlockerGroup, "nodeIds" | "lastSeen"> {
  /** The first node ids, in natural order. */
  readonly nodeIds: readonly string[];
  /** How many nodes the group holds. */
  readonly count: number;
  /** For `stale` blockers, which do not beat, their oldest heartbeat; otherwise null (it would move at every heartbeat). */
  readonly lastSeen: number | null;
}

/** One capability of a {@link FleetSummaryJson}: as in `status --json`, without the list of every blocker. */
export interface CapabilitySummaryJson extends Omit<CapabilityJson, "blockers" | "blockerGroups" | "convergence"> {
  /** How many members block `next`. */
  readonly blockerCount: number;
  readonly blockerGroups: readonly SummaryBlockerGroup[];
  /** Who applied the current record; `waiting` holds the first {@link SUMMARY_NAMES} of `waitingCount`. */
  readonly convergence: Convergence & { readonly waitingCount: number };
  /** True when there is nothing to act on, its rollout plan apart (see `hasNothingToActOn`). */
  readonly quiet: boolean;
}

/**
 * The fleet as the dashboard draws it (docs/cli.md, "dashboard"): what
 * `twostep status --json` says, with members counted instead of listed. Its
 * size grows with the kinds of members, not their number (a label unique
 * to each member makes each a kind of its own), and it changes when a
 * member joins, leaves or changes state, not at every heartbeat (members a
 * record waits on are named with their last heartbeat, until they apply it).
 */
export interface FleetSummaryJson {
  /** Version of this shape; bumped only for incompatible changes. */
  readonly format: 1;
  /** When the status was read, ms since the epoch (control-plane clock). */
  readonly at: number;
  readonly plane: FleetStatus["plane"];
  readonly memberCount: number;
  /** Members per state. */
  readonly states: StateCounts;
  /** Members by service and build, in natural order, counted per state. */
  readonly groups: readonly SummaryGroup[];
  /** The names of the labels members carry, in natural order. */
  readonly labels: readonly string[];
  /** Members that do not write: how many (`count`), on how many node ids (`nodes`), the first {@link SUMMARY_NAMES} of which are named. */
  readonly fenced: { readonly nodeIds: readonly string[]; readonly nodes: number; readonly count: number };
  /** The members, counted by cohort, in natural order. */
  readonly cohorts: readonly Cohort[];
  /** The distinct sets of levels read, per capability (only the one asked for, when one was), that cohorts point to. */
  readonly reads: readonly Readonly<Record<string, LevelRange>>[];
  readonly capabilities: readonly CapabilitySummaryJson[];
}

/** Sums up the coordinator's status for the dashboard. */
export function fleetSummaryJson(status: FleetStatus, capability?: string): FleetSummaryJson {
  const states = zeroCounts();
  const groups = new Map<string, { service: string; build: string; counts: Record<MemberStatus["state"], number> }>();
  const labels = new Set<string>();
  const fenced = new Set<string>();
  let fencedCount = 0;
  const cohorts = new Map<string, { member: MemberStatus; reads: number; members: number }>();
  const readSets = new ReadSets(capability);
  for (const member of status.members) {
    states[member.state]++;
    const groupKey = JSON.stringify([member.service, member.build]);
    const group = groups.get(groupKey) ?? { service: member.service, build: member.build, counts: zeroCounts() };
    group.counts[member.state]++;
    groups.set(groupKey, group);
    for (const name of Object.keys(member.labels)) labels.add(name);
    if (member.fenced !== null) {
      fenced.add(member.nodeId);
      fencedCount++;
    }
    const reads = readSets.idOf(member.capabilities);
    const key = JSON.stringify([member.service, member.build, sortedLabels(member.labels), reads]);
    const cohort = cohorts.get(key) ?? { member, reads, members: 0 };
    cohort.members++;
    cohorts.set(key, cohort);
  }
  // Ordered by what they hold, never by which member came first, so that equal fleets give equal summaries.
  const ordered = [...cohorts.values()]
    .map((cohort) => ({ ...cohort, order: JSON.stringify([sortedLabels(cohort.member.labels), readSets.keyOf(cohort.reads)]) }))
    .sort((a, b) => byServiceAndBuild(a.member, b.member) || byCodeUnit(a.order, b.order));
  // The sets of levels read are numbered in the order cohorts show them.
  const numbers = new Map<number, number>();
  for (const cohort of ordered) if (!numbers.has(cohort.reads)) numbers.set(cohort.reads, numbers.size);
  return {
    format: 1,
    at: status.at,
    plane: status.plane,
    memberCount: status.memberCount,
    states,
    groups: [...groups.values()].sort(byServiceAndBuild).map(({ service, build, counts }) => ({ service, build, ...counts })),
    labels: [...labels].sort(naturalOrder),
    fenced: { nodeIds: [...fenced].sort(naturalOrder).slice(0, SUMMARY_NAMES), nodes: fenced.size, count: fencedCount },
    cohorts: ordered.map(({ member, reads, members }) => ({
      service: member.service,
      build: member.build,
      labels: Object.fromEntries(sortedLabels(member.labels)),
      reads: numbers.get(reads) as number,
      members,
    })),
    reads: [...numbers.keys()].map((id) => readSets.value(id)),
    capabilities: status.capabilities.map(capabilitySummary),
  };
}

/**
 * A capability's status, its lists cut to their first names (blocker
 * groups come in an order of their own; the members a record waits on, in
 * the coordinator's, are put in natural order so that which are named never
 * depends on it).
 */
function capabilitySummary(entry: FleetStatus["capabilities"][number]): CapabilitySummaryJson {
  const { blockers, blockerGroups, convergence, ...rest } = capabilityJson(entry);
  const waiting = [...convergence.waiting].sort((a, b) => naturalOrder(a.nodeId, b.nodeId) || byCodeUnit(a.incarnation, b.incarnation));
  return {
    ...rest,
    blockerCount: blockers.length,
    blockerGroups: blockerGroups.map(({ nodeIds, lastSeen, ...group }) => ({
      ...group,
      nodeIds: nodeIds.slice(0, SUMMARY_NAMES),
      count: nodeIds.length,
      lastSeen: group.reason === "stale" ? lastSeen : null,
    })),
    convergence: { ...convergence, waiting: waiting.slice(0, SUMMARY_NAMES), waitingCount: waiting.length },
    quiet: hasNothingToActOn(entry),
  };
}

/**
 * The distinct sets of levels read per capability, each with a number.
 * Members of one build share their capabilities object, so each object is
 * looked at once.
 */
class ReadSets {
  readonly #only: string | undefined;
  readonly #byObject = new Map<MemberStatus["capabilities"], number>();
  readonly #byKey = new Map<string, number>();
  readonly #values: { key: string; reads: Record<string, LevelRange> }[] = [];

  /** With `only`, a set holds that capability alone. */
  constructor(only: string | undefined) {
    this.#only = only;
  }

  /** The number of the set of levels `capabilities` read. */
  idOf(capabilities: MemberStatus["capabilities"]): number {
    const known = this.#byObject.get(capabilities);
    if (known !== undefined) return known;
    const reads = Object.fromEntries(
      Object.entries(capabilities)
        .filter(([name]) => this.#only === undefined || name === this.#only)
        .sort(([a], [b]) => byCodeUnit(a, b))
        .map(([name, support]) => [name, { min: support.reads.min, max: support.reads.max }]),
    );
    const key = JSON.stringify(reads);
    let id = this.#byKey.get(key);
    if (id === undefined) {
      id = this.#values.push({ key, reads }) - 1;
      this.#byKey.set(key, id);
    }
    this.#byObject.set(capabilities, id);
    return id;
  }

  /** The set numbered `id`. */
  value(id: number): Record<string, LevelRange> {
    return (this.#values[id] as { reads: Record<string, LevelRange> }).reads;
  }

  /** The set numbered `id` as text, equal for equal sets. */
  keyOf(id: number): string {
    return (this.#values[id] as { key: string }).key;
  }
}

function sortedLabels(labels: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(labels).sort(([a], [b]) => byCodeUnit(a, b));
}

function byServiceAndBuild(a: { service: string; build: string }, b: { service: string; build: string }): number {
  return naturalOrder(a.service, b.service) || naturalOrder(a.build, b.build);
}

function zeroCounts(): Record<MemberStatus["state"], number> {
  return { starting: 0, live: 0, stale: 0, expired: 0 };
}
