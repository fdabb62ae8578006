import { type WriteLevelRecord, writtenLevels } from "@twostep/fleet";
import type { ManifestDiff, TypeDiff, UnknownCapability } from "../manifest-diff.js";
import { alignColumns, type Cell } from "./align-columns.js";
import { formatTime } from "./format-time.js";
import { plain, type Style } from "./style.js";
import { describeWriteState, formatLevels } from "./write-state.js";

/**
 * `twostep diff` as text: per type of the manifest whether it agrees with
 * the fleet, and each disagreement on a row of its own (write target and
 * write state, retired levels, versions no member reads); then the
 * capabilities the manifest does not declare, and a verdict.
 */
export function renderDiff(diff: ManifestDiff, manifest: string, style: Style = plain): string[] {
  const lines = [`${style.bold("Manifest")}  ${manifest} against the fleet  ${style.dim(`at ${formatTime(diff.at)}`)}`];
  if (diff.regressed.length > 0) {
    lines.push(`  ${style.red("the store went backwards")}: nothing it says is taken as agreeing until twostep reconcile`);
    lines.push(...diff.regressed.map((evidence) => `    - ${evidence}`));
  }
  for (const type of diff.types) {
    const verdict = type.agrees ? style.green("agrees") : style.red("differs");
    lines.push("", `${style.bold(style.cyan(type.type))}  ${verdict}  ${style.dim(`rev ${type.revision}`)}`, ...alignColumns(typeRows(type, style), "  "));
  }
  if (diff.notInManifest.length > 0) {
    const rows = diff.notInManifest.map((capability): Cell[] => [capability.capability, describeUnknownCapability(capability)]);
    lines.push("", style.bold("Not in the manifest"), ...alignColumns(rows, "  "));
  }
  return [...lines, "", verdictLine(diff, style)];
}

/** What the fleet does with a capability the manifest does not declare: `writes v3, 3 members take part`. */
export function describeUnknownCapability(capability: UnknownCapability): string {
  const state = capability.problem === null ? describeWriteState(capability) : `the record cannot be read: ${capability.problem}`;
  const members = `${capability.participants} member${capability.participants === 1 ? " takes" : "s take"} part`;
  return `${state}, ${members}${capability.renamedTo === null ? "" : `; renamed to ${capability.renamedTo} in the manifest`}`;
}

/**
 * What to do about a level the manifest retires and the fleet still
 * requires: `twostep retire T N once drained`, after moving writers off it
 * while they write it (the write level, or a ramp's target, under `writes`:
 * the levels `writtenLevels` of @twostep/fleet gives).
 */
export function retireAdvice(capability: string, level: number, writes: Pick<WriteLevelRecord, "level" | "ramp">): string {
  return `${writtenLevels(writes).includes(level) ? "move writers off it, then " : ""}twostep retire ${capability} ${level} once drained`;
}

function typeRows(type: TypeDiff, style: Style): Cell[][] {
  const rows: Cell[][] = [["write target", describeWrite(type)]];
  const { manifest, fleet } = type.retired;
  if (manifest.length > 0 || fleet.length > 0) rows.push(["retired", `manifest ${formatLevels(manifest)}   fleet ${formatLevels(fleet)}`]);
  const flagged = (label: string): Cell => ({ text: label, paint: style.red });
  if (type.retiredStillRequired.length > 0) {
    const levels = type.retiredStillRequired;
    rows.push([
      flagged("not retired"),
      `${formatLevels(levels)}: retired in the manifest, still required by the fleet (${retireAdvice(type.type, levels[0]!, type)})`,
    ]);
  }
  if (type.targetRetired) rows.push([flagged("target retired"), `v${type.writeTarget}: the manifest writes it, and the fleet retired it`]);
  if (type.retiredInFleetOnly.length > 0) {
    rows.push(["fleet retired", `${formatLevels(type.retiredInFleetOnly)}: the manifest still reads it (fine: its reader may go in a later change)`]);
  }
  if (type.unread.length > 0) {
    const nobody = type.participants === 0 ? `no member takes part in ${type.type}` : "no member reads it";
    rows.push([flagged("unread"), `${formatLevels(type.unread)}: ${nobody}`]);
  }
  return rows;
}

function describeWrite(type: TypeDiff): string {
  switch (type.write) {
    case "unreadable":
      return `the fleet's record cannot be read: ${type.problem}; never taken as agreeing (twostep reconcile rebuilds it)`;
    case "no-target":
      return `none (apply leaves it alone); the fleet: ${describeWriteState(type)}`;
    case "agrees":
    case "differs":
      return `v${type.writeTarget}; the fleet: ${describeWriteState(type)}`;
  }
}

function verdictLine(diff: ManifestDiff, style: Style): string {
  if (diff.agree) return style.green("the manifest and the fleet agree");
  const differing = diff.types.filter((type) => !type.agrees).length;
  const parts = [
    ...(differing === 0 ? [] : [`${differing} of ${diff.types.length} type${diff.types.length === 1 ? "" : "s"}`]),
    ...(diff.notInManifest.length === 0 ? [] : [`${diff.notInManifest.length} capabilit${diff.notInManifest.length === 1 ? "y" : "ies"} not in the manifest`]),
    ...(diff.regressed.length === 0 ? [] : ["a store that went backwards"]),
  ];
  return style.red(`the manifest and the fleet differ: ${parts.join(", ")}`);
}
