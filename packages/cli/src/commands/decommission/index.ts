import type { MemberStatus } from "@twostep/fleet";
import type { CliContext } from "../../cli-context.js";
import { ExitCode } from "../../exit-code.js";
import { changeJson } from "../../json/change-json.js";
import { renderChange } from "../../render/change-view.js";
import { formatAge } from "../../render/format-time.js";
import type { Style } from "../../render/style.js";
import { runMutation, type MutationFlags } from "../../run-mutation.js";

/** Options of {@link decommission}. */
export interface DecommissionOptions extends MutationFlags {
  /** The node id of the member to remove. */
  readonly node: string;
}

/**
 * `twostep decommission <node>`: removes a member that is gone for good, so
 * it no longer blocks levels. The coordinator refuses a node whose heartbeat
 * is live (stop it first); the dry run describes the member and what the
 * coordinator would do with it.
 */
export async function decommission(options: DecommissionOptions, context: CliContext): Promise<ExitCode> {
  return runMutation(options, context, {
    command: "decommission",
    what: `decommission node ${options.node}`,
    async preview(coordinator, style) {
      const fleet = await coordinator.status();
      const member = fleet.members.find((candidate) => candidate.nodeId === options.node) ?? null;
      return {
        lines: describeDecommission(options.node, member, fleet.at, style),
        json: { nodeId: options.node, member },
        changes: true,
        blocked: member === null || member.state === "live",
      };
    },
    async commit(coordinator, author, style) {
      const change = await coordinator.decommission(options.node, author);
      return { lines: renderChange(change, style), json: changeJson(change), exitCode: ExitCode.Ok };
    },
  });
}

function describeDecommission(nodeId: string, member: MemberStatus | null, now: number, style: Style): string[] {
  const head = `${style.bold("Plan")}: decommission node ${style.cyan(nodeId)}`;
  if (member === null) return [head, `  ${style.red("not a member")}: the coordinator would refuse it (twostep status lists the node ids)`];
  const seen = member.lastSeen === null ? "never seen" : `${member.state}, last heartbeat ${formatAge(member.lastSeen, now)}`;
  const lines = [head, `  member   service ${member.service}, build ${member.build}, ${seen}`];
  if (member.state === "live")
    return [...lines, `  ${style.red("alive")}: the coordinator refuses to remove a live node; stop it first (a node that stops cleanly leaves by itself)`];
  return [
    ...lines,
    `  ${style.green("would remove")} the member and its advertisement: it no longer blocks levels; if it ever comes back, its join guard decides whether it may`,
  ];
}
