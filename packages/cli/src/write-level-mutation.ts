import { describeRequest, type Change, type ChangeAuthor, type Coordinator, type WriteLevelRequest } from "@twostep/fleet";
import { ExitCode } from "./exit-code.js";
import { changeJson } from "./json/change-json.js";
import { planJson } from "./json/plan-json.js";
import { renderChange } from "./render/change-view.js";
import { renderPlan } from "./render/plan-view.js";
import type { Mutation } from "./run-mutation.js";

/**
 * A change of one capability's write level (enable, disable, retire): the
 * coordinator previews `request` for the dry run and the confirmation, and
 * `commit` makes it.
 */
export function writeLevelMutation(
  command: string,
  capability: string,
  request: WriteLevelRequest,
  commit: (coordinator: Coordinator, author: ChangeAuthor) => Promise<Change>,
): Mutation {
  return {
    command,
    what: `${capability}: ${describeRequest(request)}`,
    async preview(coordinator, style, now) {
      const plan = await coordinator.preview(capability, request);
      return {
        lines: renderPlan(plan, { now: now(), style }),
        json: planJson(plan),
        changes: plan.changes,
        blocked: plan.blockers.length > 0,
      };
    },
    async commit(coordinator, author, style) {
      const change = await commit(coordinator, author);
      return { lines: renderChange(change, style), json: changeJson(change), exitCode: ExitCode.Ok };
    },
  };
}
