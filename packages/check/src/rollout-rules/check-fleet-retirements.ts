import type { FleetStatus, WriteLevelRecord } from "@twostep/fleet";
import type { ProtocolSnapshot } from "../snapshot/index.js";
import { RolloutRule, type Violation } from "../violation/index.js";
import type { LiveFleet } from "./fleet-access.js";
import { fleetUnreachable } from "./fleet-unreachable.js";
import { manifestViolation } from "./manifest-violation.js";
import type { TypePair } from "./pair-manifest-types.js";

/** A level this change lets builds stop reading, and where the manifest says so. */
interface Retirement {
  readonly type: string;
  readonly version: number;
  /** The capabilities whose live record must have retired it: the type's name, and its base name when renamed. */
  readonly capabilities: readonly string[];
  /** What the change does, after the type's name: `marks v1 retired`, `drops its reader of v1`. */
  readonly what: string;
  readonly at: readonly (string | number)[];
}

/** Why the live fleet does not count a level as retired. */
type NotRetired = { readonly required: string } | { readonly unknown: string };

/**
 * FLEET_NOT_RETIRED (and FLEET_UNREACHABLE): every level this change lets
 * builds stop reading (a version marked retired that the base did not
 * retire, a reader dropped from `versions`, a type removed with its
 * readers) must be retired in the live fleet: its write-level record no
 * longer requires it (neither the write level, nor the ramp target, nor a
 * pending intent's, nor ever written and not retired). The manifest's own
 * `retired` list is not trusted for it: only `twostep retire` checks that a
 * level drained. A level the fleet never wrote passes. What cannot be read
 * (the control plane, a record, a store that went backwards) never counts as
 * retired.
 */
export async function checkFleetRetirements(head: ProtocolSnapshot, pairs: readonly TypePair[], fleet: LiveFleet, out: Violation[]): Promise<void> {
  const retirements = pairs.flatMap(retirementsOf);
  if (retirements.length === 0) return;
  let status: FleetStatus;
  try {
    status = await (await fleet.coordinator()).status();
  } catch (error) {
    for (const retirement of retirements) {
      const need = `${retirement.type} ${retirement.what}, which needs the fleet to have retired v${retirement.version}`;
      out.push(fleetUnreachable(head, retirement.at, { type: retirement.type, version: retirement.version, need }, error));
    }
    return;
  }
  for (const retirement of retirements) {
    const found = notRetired(status, retirement);
    if (found !== undefined) out.push(violationOf(head, retirement, found));
  }
}

// The levels a type's change stops reading or marks retired; a level both dropped and newly retired is reported once, as dropped.
function retirementsOf(pair: TypePair): Retirement[] {
  const { base, head } = pair;
  if (head === undefined) {
    if (base === undefined) return [];
    return base.versions.map(({ version }) => ({
      type: base.name,
      version,
      capabilities: [base.name],
      what: `is removed with its reader of v${version}`,
      at: ["types"],
    }));
  }
  const capabilities = base === undefined || base.name === head.name ? [head.name] : [head.name, base.name];
  const kept = new Set(head.versions.map(({ version }) => version));
  const dropped = (base?.versions ?? [])
    .map(({ version }) => version)
    .filter((version) => !kept.has(version))
    .map((version) => ({ type: head.name, version, capabilities, what: `drops its reader of v${version}`, at: ["types", pair.headIndex, "versions"] }));
  const before = new Set([...(base?.retired ?? []), ...dropped.map(({ version }) => version)]);
  const marked = head.retired.flatMap((version, index) =>
    before.has(version) ? [] : [{ type: head.name, version, capabilities, what: `marks v${version} retired`, at: ["types", pair.headIndex, "retired", index] }],
  );
  return [...dropped, ...marked];
}

function notRetired(status: FleetStatus, retirement: Retirement): NotRetired | undefined {
  if (status.plane.regressed.length > 0) {
    return { unknown: `the control plane's store went backwards (${status.plane.regressed[0]}), so what it says was retired cannot be trusted` };
  }
  for (const name of retirement.capabilities) {
    const live = status.capabilities.find((capability) => capability.capability === name);
    if (live === undefined) continue;
    if (live.problem !== null) return { unknown: `the record of ${name} cannot be read: ${live.problem}` };
    // Fleet's own rule decides (requiredLevels, as status reports it); the record only words why.
    if (!live.required.includes(retirement.version)) continue;
    const why = (live.record === null ? undefined : whyRequired(live.record, retirement.version)) ?? "the fleet requires it";
    return { required: name === retirement.type ? why : `${why}, under its former name ${name}` };
  }
  return undefined;
}

// In words, why the record requires `level` (one of its required levels), or undefined.
function whyRequired(record: WriteLevelRecord, level: number): string | undefined {
  if (record.level === level) return "it is the write level";
  if (record.ramp?.to === level) return "it is the target of the ramp";
  if (record.intent?.levels.includes(level) === true) return `a change by ${record.intent.actor} under way requires it`;
  if (record.everWritten.includes(level) && !record.retired.includes(level)) return "it was written, and twostep retire has not retired it";
  return undefined;
}

function violationOf(head: ProtocolSnapshot, retirement: Retirement, found: NotRetired): Violation {
  const { type, version } = retirement;
  const consequence = retirement.what.startsWith("marks")
    ? `builds that drop its reader would be refused when they join, or meet frames they cannot read`
    : `this build would be refused when it joins, or meet frames it cannot read`;
  if ("required" in found) {
    return manifestViolation(head, retirement.at, {
      rule: RolloutRule.FleetNotRetired,
      type,
      version,
      message: `${type} ${retirement.what}, but the live fleet has not retired v${version} (${found.required}): ${consequence}`,
      fix:
        `Retire v${version} in the fleet first: move writers off it (twostep enable-write), wait for the drain window, ` +
        `run twostep retire ${type} ${version} (twostep status ${type} shows what the fleet still requires), then run the check again.`,
    });
  }
  return manifestViolation(head, retirement.at, {
    rule: RolloutRule.FleetNotRetired,
    type,
    version,
    message: `${type} ${retirement.what}, but the live fleet cannot tell that v${version} is retired: ${found.unknown}`,
    fix: `See what twostep status ${type} says of the record; twostep reconcile rebuilds a record that cannot be read or went backwards. Then run the check again.`,
  });
}
