import type { MemberStatus } from "@twostep/fleet";
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

/** What the dry run of a decommission shows. */
interface Candidates {
  readonly node: string;
  readonly incarnation: string | null;
  readonly members: readonly MemberStatus[];
  readonly at: number;
}

/**
 * `twostep decommission <node> [--incarnation ID]`: removes the incarnations
 * of a node that are gone for good, so they no longer block levels. The
 * coordinator refuses one whose lease may still run (starting, live or
 * stale): stop it first. The dry run shows each incarnation and its state.
 */
export async function decommission(options: DecommissionOptions, context: CliContext): Promise<ExitCode> {
  const incarnation = options.incarnation ?? null;
  return runMutation(options, context, {
    command: "decommission",
    what: `decommission node ${options.node}${incarnation === null ? "" : `@${incarnation}`}`,
    async preview(coordinator) {
      const fleet = await coordinator.status();
      const members = fleet.members.filter((member) => member.nodeId === options.node && (incarnation === null || member.incarnation.startsWith(incarnation)));
      // The coordinator's rule (no dry run of its own): only members whose lease surely ran out go.
      const refused = members.length === 0 || members.some((member) => member.state !== "expired");
      return {
        view: view({ node: options.node, incarnation, members, at: fleet.at }, describeDecommission),
        json: { nodeId: options.node, incarnation, members, allowed: !refused },
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
  const head = `${style.bold("Plan")}: decommission node ${style.cyan(candidates.node)}${which}`;
  if (candidates.members.length === 0) {
    return [head, `  ${style.red("not a member")}: the coordinator would refuse it (twostep status lists the node ids and incarnations)`];
  }
  const lines = [head];
  for (const member of candidates.members) {
    const seen = member.lastSeen === null ? "no heartbeat ever" : `last heartbeat ${formatAge(member.lastSeen, candidates.at)}`;
    const state = member.state === "expired" ? style.green("expired") : style.red(member.state);
    lines.push(`  ${member.incarnation.slice(0, 8)}  service ${member.service}, build ${member.build}, ${state}, ${seen}`);
  }
  if (candidates.members.some((member) => member.state !== "expired")) {
    return [
      ...lines,
      `  ${style.red("would be refused")}: a process whose lease may still run may still write; stop it first (a node that stops cleanly leaves by itself), ` +
        "or wait until its lease and the clock margin have passed",
    ];
  }
  return [
    ...lines,
    `  ${style.green("would remove")} ${candidates.members.length === 1 ? "it" : "them"}: no longer blocking levels; ` +
      "its lease surely ran out, so it writes nothing, and if it comes back it finds itself fenced and must restart",
  ];
}
