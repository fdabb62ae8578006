import { type ChangeOptions, describeRequest, type WriteLevelRequest } from "@twostep/fleet";
import { ExitCode } from "./exit-code.js";
import { changeJson } from "./json/change-json.js";
import { planJson } from "./json/plan-json.js";
import { renderChange } from "./render/change-view.js";
import { renderPlan } from "./render/plan-view.js";
import type { Mutation } from "./run-mutation.js";
import { view } from "./write-output.js";

/**
 * A change of one capability's write state, stated once as a request:
 * `Coordinator.change` answers it as a dry run for the preview and the
 * confirmation, and makes it for the commit.
 */
export function changeMutation(command: string, capability: string, request: WriteLevelRequest, options: Omit<ChangeOptions, "dryRun"> = {}): Mutation {
  return {
    command,
    what: `${capability}: ${describeRequest(request)}`,
    async preview(coordinator, author) {
      const plan = await coordinator.change(capability, request, author, { ...options, dryRun: true });
      return {
        view: view(plan, (safe, style) => renderPlan(safe, { now: safe.at, style })),
        json: planJson(plan),
        changes: plan.changes,
        refused: plan.refused,
      };
    },
    async commit(coordinator, author) {
      const change = await coordinator.change(capability, request, author, options);
      return { view: view(change, (safe, style) => renderChange(safe, style)), json: changeJson(change), exitCode: ExitCode.Ok };
    },
  };
}
