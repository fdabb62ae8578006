import { type CapabilityStatus, type FleetStatus, type MemberStatus, RECORD_FORMAT_CAPABILITY } from "@twostep/fleet";
import { alignColumns, type Cell } from "./align-columns.js";
import { groupBlockers, nameList, renderBlockerAdvice, renderBlockerGroups } from "./blocker-groups.js";
import { convergenceLine, describeWaiting } from "./convergence-line.js";
import { formatReaders } from "./format-readers.js";
import { formatAge, formatDuration, formatTime } from "./format-time.js";
import { blockersByLabel, groupByLabel, renderBlockersByLabel } from "./label-groups.js";
import { describeMemberCounts, groupMembers, MEMBER_STATES, type StateCounts } from "./member-groups.js";
import { hasNothingToActOn, notLiveAdvice, notLiveWaitedOn, SHOWN_IN_FULL_UP_TO } from "./quiet-capability.js";
import { plain, type Style } from "./style.js";
import { formatLevels, formatRamp, WRITES_CLOSED } from "./write-state.js";

/** What {@link renderStatus} shows. */
export interface StatusViewOptions {
  /** The capability asked for: node groups then show only what they do with it. */
  readonly capability?: string;
  /** Group the members, and the blockers of each next level, by this label's value instead of by service and build. */
  readonly by?: string;
  /**
   * The capabilities whose rollout plan is under way (not done or aborted):
   * never listed as having nothing to act on. Unknown when not given (a plan
   * could not be read, say): then every capability is shown in full.
   */
  readonly plans?: ReadonlySet<string>;
  readonly style?: Style;
}

/** What status says of a control plane with no member and no record. */
export const EMPTY_PLANE = "the control plane is empty: no node has registered and nothing is enabled; nodes appear once they start";

/**
 * `twostep status` as text: the control plane's identity and what is wrong
 * with its store; per capability its write state, readers per level, who
 * applied its record and who blocks the next level (grouped), past a dozen
 * capabilities those with nothing to act on a line each; then the members
 * grouped by service and build. Grows with capabilities, builds and blocker
 * kinds, not with nodes: a fleet of 100 nodes on a few builds fits one
 * screen.
 */
export function renderStatus(status: FleetStatus, options: StatusViewOptions = {}): string[] {
  const style = options.style ?? plain;
  const lines = [`${style.bold("Fleet")}  ${describeMemberCounts(status.members)}  ${style.dim(`at ${formatTime(status.at)}`)}`, ...renderPlane(status, style)];
  if (status.capabilities.length === 0 && status.members.length === 0) {
    return [...lines, "", status.plane.id === null ? `${EMPTY_PLANE}, \`twostep init\` sets it up.` : `${EMPTY_PLANE}.`];
  }
  // Past a dozen capabilities, those with nothing to act on are a table, one line each, after the others.
  const plans = options.plans;
  const quiet =
    options.capability === undefined && plans !== undefined && status.capabilities.length > SHOWN_IN_FULL_UP_TO
      ? status.capabilities.filter((capability) => hasNothingToActOn(capability) && !plans.has(capability.capability))
      : [];
  for (const capability of status.capabilities) if (!quiet.includes(capability)) lines.push("", ...renderCapability(capability, status, options.by, style));
  if (quiet.length > 0) lines.push("", ...renderQuiet(quiet, quiet.length < status.capabilities.length, status, style));
  const members = options.by === undefined ? renderMembers(status, options.capability, style) : renderMembersByLabel(status, options.by, style);
  return [...lines, "", ...members];
}

/** How many of the members that are not live, which quiet capabilities wait on, are named. */
const NOT_LIVE_NAMED = 5;

/**
 * The capabilities with nothing to act on, one line each: write state,
 * required levels, next level, how many live members applied the record,
 * readers; and, once for them all, the members that are not live that they
 * wait on, with what to do about them.
 */
function renderQuiet(capabilities: readonly CapabilityStatus[], more: boolean, status: FleetStatus, style: Style): string[] {
  const { at: now, members } = status;
  const header: Cell[] = ["CAPABILITY", "REV", "WRITES", "REQUIRED", "NEXT", "APPLIED", "READERS"].map((text) => ({ text, paint: style.dim }));
  const rows: Cell[][] = [header];
  for (const capability of capabilities) {
    const level = capability.record?.level ?? null;
    const { applied, of } = capability.convergence;
    rows.push([
      { text: capability.capability, paint: (text) => style.bold(style.cyan(text)) },
      String(capability.revision),
      level === null ? (capability.capability === RECORD_FORMAT_CAPABILITY ? "format 1 (default)" : "closed") : `v${level}`,
      formatLevels(capability.required),
      capability.next === null ? "-" : { text: `v${capability.next} ready`, paint: style.green },
      of === 0 ? "-" : applied === of ? `${applied}/${of}` : { text: `${applied}/${of}`, paint: style.yellow },
      formatReaders(capability.readers, capability.participants) ?? "no member reads it",
    ]);
  }
  const count = `${capabilities.length}${more ? " more" : ""} capabilit${capabilities.length === 1 ? "y" : "ies"}`;
  const lines = [
    `${style.bold(count)} with nothing to act on: no ramp, intent or rollout plan under way, applied by every live member, nothing blocked (twostep status CAPABILITY shows one in full)`,
  ];
  const notLive = notLiveWaitedOn(capabilities);
  if (notLive.length > 0) {
    // A node id that another process runs under too is told apart by its incarnation, which decommission then takes.
    const incarnations = new Map<string, number>();
    for (const member of members) incarnations.set(member.nodeId, (incarnations.get(member.nodeId) ?? 0) + 1);
    const named = notLive
      .slice(0, NOT_LIVE_NAMED)
      .map((member) =>
        describeWaiting(
          (incarnations.get(member.nodeId) ?? 0) > 1 ? { ...member, nodeId: `${member.nodeId} (incarnation ${member.incarnation})` } : member,
          now,
        ),
      );
    const others = notLive.length > NOT_LIVE_NAMED ? `; … and ${notLive.length - NOT_LIVE_NAMED} more` : "";
    const advice = notLiveAdvice(new Set(notLive.map((member) => member.state)));
    lines.push(`  ${style.yellow("waiting only on members that are not live")}: ${named.join("; ")}${others} (${advice})`);
  }
  return [...lines, ...alignColumns(rows, "  ")];
}

function renderPlane(status: FleetStatus, style: Style): string[] {
  const { plane } = status;
  const lines = [
    plane.id === null
      ? `${style.bold("Control plane")}  not set up yet: \`twostep init\` sets it up (the first change does too)`
      : `${style.bold("Control plane")}  ${plane.id}  epoch ${plane.epoch ?? "?"}`,
  ];
  if (plane.regressed.length > 0) {
    lines.push(`  ${style.red("the store went backwards")}: changes wait for twostep reconcile; nodes keep writing by what they applied`);
    lines.push(...plane.regressed.map((evidence) => `    - ${evidence}`));
  }
  if (plane.unreadable.length > 0) {
    const count = plane.unreadable.length;
    lines.push(`  ${style.red(`${count} record${count === 1 ? "" : "s"} cannot be read`)} (none is taken as absent; changes to them are refused):`);
    lines.push(...plane.unreadable.map((problem) => `    - ${problem}`));
  }
  return lines;
}

function renderCapability(capability: CapabilityStatus, status: FleetStatus, by: string | undefined, style: Style): string[] {
  const record = capability.record;
  const rows: Cell[][] = [];
  if (capability.problem !== null) {
    rows.push([
      { text: "record", paint: style.red },
      `cannot be read: ${capability.problem}; writers keep what they applied, changes are refused (twostep reconcile rebuilds it)`,
    ]);
  } else if ((record === null || record.level === null) && capability.capability === RECORD_FORMAT_CAPABILITY) {
    rows.push(["write level", "record format 1, the default (nothing enabled)"]);
  } else if (record === null || record.level === null) {
    rows.push(["write level", WRITES_CLOSED]);
  } else {
    const since = record.levelSince === null ? "" : ` since ${formatTime(record.levelSince)}`;
    rows.push(["write level", `v${record.level}${since} by ${record.levelSetBy}${quoted(record.levelReason)}`]);
    if (record.ramp !== null) rows.push(["ramp", formatRamp(record.ramp)]);
  }
  if (record !== null) {
    rows.push([
      "levels",
      `ever written ${formatLevels(record.everWritten)}   retired ${formatLevels(record.retired)}   required ${formatLevels(capability.required)}`,
    ]);
    if (record.intent !== null) {
      rows.push([
        { text: "pending", paint: style.yellow },
        `intent to require ${formatLevels(record.intent.levels)} by ${record.intent.actor}, ${formatAge(record.intent.at, status.at)}${quoted(record.intent.reason)}`,
      ]);
    }
  }
  rows.push(["drain window", `${formatDuration(capability.drainWindowMs)}${(record?.policy.drainWindowMs ?? null) === null ? " (default)" : ""}`]);
  rows.push(["readers", formatReaders(capability.readers, capability.participants) ?? "no member reads it"]);
  if (record !== null) rows.push(["convergence", convergenceLine(capability.convergence, status.at)]);
  // The next level is one some member reads already (the coordinator leaves out one nobody reads).
  const ready = capability.blockers.length === 0;
  if (capability.next !== null) {
    rows.push([
      "next level",
      ready
        ? `v${capability.next}: ${style.green("ready")}, every member reads it`
        : `v${capability.next}: ${style.red(`blocked by ${capability.blockers.length} of ${capability.participants} members`)}`,
    ]);
  }
  const lines = [`${style.bold(style.cyan(capability.capability))}  ${style.dim(`rev ${capability.revision}`)}`, ...alignColumns(rows, "  ")];
  if (capability.next === null || ready) return lines;
  if (by === undefined) return [...lines, ...renderBlockerGroups(groupBlockers(capability.blockers), { now: status.at, style }).map((line) => `    ${line}`)];
  const byValue = renderBlockersByLabel(blockersByLabel(capability.blockers, status.members, by), by, { now: status.at, style }).map((line) => `    ${line}`);
  return [...lines, ...byValue, ...renderBlockerAdvice(groupBlockers(capability.blockers), style).map((line) => `    ${line}`)];
}

function renderMembers(status: FleetStatus, capability: string | undefined, style: Style): string[] {
  const groups = groupMembers(status.members, capability);
  if (groups.length === 0) return [style.bold("Nodes"), "  none: no node has registered"];
  const header: Cell[] = ["SERVICE", "BUILD", ...MEMBER_STATES.map((state) => state.toUpperCase()), capability ?? "READS / WRITES"].map((text) => ({
    text,
    paint: style.dim,
  }));
  const rows: Cell[][] = [header];
  // Builds of many services often declare the same: a list of more than one line is shown once, and named after.
  const shown = new Map<string, string>();
  for (const group of groups) {
    const support = Object.entries(group.capabilities).map(([name, seen]) => (capability === undefined ? `${name} ${seen.join(" | ")}` : seen.join(" | ")));
    const key = support.join("\n");
    const first = support.length > 1 ? shown.get(key) : undefined;
    if (first !== undefined) {
      rows.push([group.service, group.build, ...stateCells(group, style), { text: `same as ${first}`, paint: style.dim }]);
      continue;
    }
    shown.set(key, `${group.build} (${group.service})`);
    rows.push([group.service, group.build, ...stateCells(group, style), support[0] ?? "declares nothing"]);
    for (const more of support.slice(1)) rows.push(["", "", "", "", "", "", more]);
  }
  return [style.bold("Nodes by service and build"), ...alignColumns(rows, "  "), ...renderMemberNotes(status.members, status.at, style)];
}

/** The members by the value of the label `by`: counts per state, and the builds each value runs. */
function renderMembersByLabel(status: FleetStatus, by: string, style: Style): string[] {
  const groups = groupByLabel(status.members, by);
  if (groups.length === 0) return [style.bold(`Nodes by ${by}`), "  none: no node has registered"];
  const header: Cell[] = [by.toUpperCase(), ...MEMBER_STATES.map((state) => state.toUpperCase()), "BUILDS"].map((text) => ({ text, paint: style.dim }));
  const rows: Cell[][] = [header];
  for (const group of groups) {
    const builds = Object.entries(group.builds).map(([build, members]) => `${build} ×${members}`);
    rows.push([group.value ?? `(no ${by})`, ...stateCells(group, style), builds.join(", ")]);
  }
  return [style.bold(`Nodes by ${by}`), ...alignColumns(rows, "  "), ...renderMemberNotes(status.members, status.at, style)];
}

/** A group's counts per state, `·` for none, painted by state. */
function stateCells(counts: StateCounts, style: Style): Cell[] {
  const paints = { starting: style.cyan, live: style.green, stale: style.yellow, expired: style.red };
  return MEMBER_STATES.map((state) => count(counts[state], paints[state]));
}

/** Node ids that two processes share, fenced members, and members that cannot be told. */
function renderMemberNotes(members: readonly MemberStatus[], now: number, style: Style): string[] {
  const lines: string[] = [];
  const byNode = new Map<string, MemberStatus[]>();
  for (const member of members) byNode.set(member.nodeId, [...(byNode.get(member.nodeId) ?? []), member]);
  for (const [nodeId, incarnations] of byNode) {
    if (incarnations.length < 2) continue;
    const each = incarnations.map((member) => `${short(member)} (${member.state}, ${member.build}, registered ${formatAge(member.registeredAt, now)})`);
    lines.push(`  ${style.yellow(`node ${nodeId} runs as ${incarnations.length} processes`)}: ${each.join(", ")}`);
  }
  for (const [reason, names] of byReason(members, (member) => member.fenced)) {
    lines.push(`  ${style.red(`${names.length} fenced`)}, not writing: ${reason}: ${nameList(names, 5)}`);
  }
  for (const [problem, names] of byReason(members, (member) => member.problem)) {
    lines.push(`  ${style.red(`${names.length} cannot be told`)}: ${problem}: ${nameList(names, 5)}`);
  }
  return lines;
}

/** Members (as `node@incarnation`) by the reason `reasonOf` gives, those without one left out; the largest group first. */
function byReason(members: readonly MemberStatus[], reasonOf: (member: MemberStatus) => string | null): [string, string[]][] {
  const groups = new Map<string, string[]>();
  for (const member of members) {
    const reason = reasonOf(member);
    if (reason !== null) groups.set(reason, [...(groups.get(reason) ?? []), `${member.nodeId}@${short(member)}`]);
  }
  return [...groups].sort(([, a], [, b]) => b.length - a.length);
}

function short(member: MemberStatus): string {
  return member.incarnation.slice(0, 8);
}

function count(value: number, paint: (text: string) => string): Cell {
  return value === 0 ? { text: "·", paint: (text) => text } : { text: String(value), paint };
}

function quoted(reason: string): string {
  return reason === "" ? "" : `: "${reason}"`;
}
