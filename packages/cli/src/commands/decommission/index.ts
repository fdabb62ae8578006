import type { DecommissionPreview, MemberStatus } from "@twostep/fleet";
import type { CliContext } from "../../cli-context.js";
import { ExitCode } from "../../exit-code.js";
import { changeJson } from "../../json/change-json.js";
import { renderChange } from "../../render/change-view.js";
import { formatAge } from "../../render/format-time.js";
import type { Style } from "../../render/style.js";
import { type MutationFlags, runMutation } from "../../run-mutation.js";
import { view } from "../../write-output.js";

/** Options of {@link decommission}. */
export interface DecommissionOptions extends MutationFlags {
  /** The node id of the member to remove. */
  readonly node: string;
  /** Only this incarnation (process start) of it, or those starting with it, as `twostep status` shows them. */
  readonly incarnation?: string;
}

/** What the dry run of a decommission shows: the coordinator's decision, and the incarnations it concerns as `status` shows them. */
interface Candidates {
  readonly node: string;
  readonly incarnation: string | null;
  readonly decision: DecommissionPreview;
  readonly members: readonly MemberStatus[];
  readonly at: number;
}

/**
 * `twostep decommission <node> [--incarnation ID]`: removes the incarnations
 * of a node that are gone for good, so they no longer block levels. The
 * coordinator refuses one whose lease may still run (starting, live or
 * stale): stop it first. The dry run is the coordinator's
 * (`previewDecommission`): it shows each incarnation and its state, and
 * refuses what the decommission would, in its words; a node that is not a
 * member is an invalid request (exit 2) in both.
 */
export async function decommission(options: DecommissionOptions, context: CliContext): Promise<ExitCode> {
  const incarnation = options.incarnation ?? null;
  return runMutation(options, context, {
    command: "decommission",
    what: `decommission node ${options.node}${incarnation === null ? "" : `@${incarnation}`}`,
    async preview(coordinator) {
      // Throws INVALID_REQUEST, as the decommission does, for a node (or incarnation) that is no member.
      const decision = await coordinator.previewDecommission(options.node, options.incarnation);
      const fleet = await coordinator.status();
      const members = fleet.members.filter((member) => member.nodeId === options.node && (incarnation === null || member.incarnation.startsWith(incarnation)));
      const refused = decision.refused !== null;
      return {
        view: view({ node: options.node, incarnation, decision, members, at: fleet.at }, describeDecommission),
        json: { nodeId: options.node, incarnation, members, allowed: !refused, refused: decision.refused, blockers: decision.blockers },
        changes: true,
        refused,
      };
    },
    async commit(coordinator, author) {
      const change = await coordinator.decommission(options.node, { ...author, ...(incarnation === null ? {} : { incarnation }) });
      return { view: view(change, renderChange), json: changeJson(change), exitCode: ExitCode.Ok };
    },
  });
}

function describeDecommission(candidates: Candidates, style: Style): string[] {
  const which = candidates.incarnation === null ? "" : ` (incarnation ${candidates.incarnation})`;
  const lines = [`${style.bold("Plan")}: decommission node ${style.cyan(candidates.node)}${which}`];
  for (const member of candidates.members) {
    const seen = member.lastSeen === null ? "no heartbeat ever" : `last heartbeat ${formatAge(member.lastSeen, candidates.at)}`;
    const state = member.state === "expired" ? style.green("expired") : style.red(member.state);
    lines.push(`  ${member.incarnation.slice(0, 8)}  service ${member.service}, build ${member.build}, ${state}, ${seen}`);
  }
  const { decision } = candidates;
  if (decision.refused !== null) {
    return [
      ...lines,
      `  ${style.red("would be refused")}: a process whose lease may still run may still write; stop it first (a node that stops cleanly leaves by itself), ` +
        "or wait until its lease and the clock margin have passed",
      `  ${decision.refused}:`,
      ...decision.blockers.map((blocker) => `    - ${blocker.detail}`),
    ];
  }
  return [
    ...lines,
    `  ${style.green("would remove")} ${decision.removes.length === 1 ? "it" : "them"}: no longer blocking levels; ` +
      "its lease surely ran out, so it writes nothing, and if it comes back it finds itself fenced and must restart",
  ];
}
