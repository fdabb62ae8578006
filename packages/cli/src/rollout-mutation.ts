import type { Coordinator, RolloutPlan, StoredRollout } from "@twostep/fleet";
import { ExitCode } from "./exit-code.js";
import { planJson } from "./json/plan-json.js";
import { controllerJson, type RolloutAction, type RolloutChangeJson, type RolloutPlanJson, rolloutJson } from "./json/rollout-json.js";
import { type RolloutPreview, renderRolloutChange, renderRolloutPreview } from "./render/rollout-view.js";
import type { Mutation, MutationFlags, MutationOutcome, MutationPreview } from "./run-mutation.js";
import { view } from "./write-output.js";

/** The options of every rollout command that changes a rollout. */
export interface RolloutOptions extends MutationFlags {
  readonly capability: string;
}

/** A change of a rollout under way (or stopped), by the release manager: everything but `start`. */
export type RolloutTransition = Exclude<RolloutAction, "start">;

/**
 * A change of the rollout of `capability` (pause, resume, promote, abort,
 * retry), stated once: the rollouts answer it as a dry run for the preview
 * and make it for the commit, a compare-and-set of the rollout record with
 * its change note. The preview of `abort` includes the coordinator's dry
 * run of the writers' revert. A change the rollout's state does not allow
 * is `INVALID_REQUEST` (exit 2), dry run or not.
 */
export function rolloutMutation(capability: string, action: RolloutTransition): Mutation {
  return {
    command: `rollout ${action}`,
    what: `${capability}: ${action} the rollout`,
    async preview(coordinator, author) {
      const rollouts = coordinator.rollouts();
      const before = await rollouts.get(capability);
      const after = await rollouts[action](capability, author, { dryRun: true });
      const revert = action === "abort" ? await rollouts.revertRequest(after.rollout) : null;
      const writers = revert === null ? null : await coordinator.change(capability, revert, author, { dryRun: true });
      // The writers' dry run read the control plane's clock; without one, only the rollout record was read.
      return rolloutPreview({ action, before: before ?? null, after, writers, problems: [] }, writers?.at ?? (await rollouts.serverTime()));
    },
    async commit(coordinator, author) {
      const rollouts = coordinator.rollouts();
      const stored = await rollouts[action](capability, author);
      return rolloutOutcome(coordinator, action, stored, await rollouts.serverTime());
    },
  };
}

/**
 * `rollout start`: the preview is the plan, every default filled in, and
 * the coordinator's dry run of its first step (refused while that step
 * would be, or while another rollout of the capability is under way); the
 * commit starts it, checking both again.
 */
export function rolloutStartMutation(capability: string, plan: RolloutPlan): Mutation {
  return {
    command: "rollout start",
    what: `${capability}: start a rollout to v${plan.target} in ${plan.steps.length} step${plan.steps.length === 1 ? "" : "s"}`,
    async preview(coordinator, author) {
      const planned = await coordinator.rollouts().planStart(capability, plan, author);
      const after = { rollout: planned.rollout, revision: planned.current?.revision ?? 0 };
      const input = { action: "start", before: planned.current ?? null, after, writers: planned.firstStep, problems: planned.problems } as const;
      return rolloutPreview(input, planned.firstStep.at);
    },
    async commit(coordinator, author) {
      const rollouts = coordinator.rollouts();
      const stored = await rollouts.start(capability, plan, author);
      return rolloutOutcome(coordinator, "start", stored, await rollouts.serverTime());
    },
  };
}

interface PreviewInput {
  readonly action: RolloutAction;
  readonly before: StoredRollout | null;
  readonly after: StoredRollout;
  readonly writers: RolloutPreview["writers"];
  readonly problems: readonly string[];
}

function rolloutPreview({ action, before, after, writers, problems }: PreviewInput, now: number): MutationPreview {
  const shown: RolloutPreview = {
    action,
    before: before === null ? null : rolloutJson(before.rollout, before.revision, now),
    after: rolloutJson(after.rollout, after.revision, now),
    writers,
    problems,
    now,
  };
  const refused = problems.length > 0 || writers?.refused === true;
  const json: RolloutPlanJson = {
    capability: after.rollout.capability,
    action,
    before: shown.before,
    after: shown.after,
    writers: writers === null ? null : planJson(writers),
    problems,
    allowed: !refused,
  };
  return { view: view(shown, renderRolloutPreview), json, changes: true, refused };
}

async function rolloutOutcome(coordinator: Coordinator, action: RolloutAction, stored: StoredRollout, now: number): Promise<MutationOutcome> {
  const change: RolloutChangeJson = {
    capability: stored.rollout.capability,
    action,
    revisionBefore: stored.rollout.change.revisionBefore,
    revisionAfter: stored.revision,
    rollout: rolloutJson(stored.rollout, stored.revision, now),
    note: stored.rollout.change,
  };
  // The change is made: a lease that cannot be read only leaves out who advances it.
  const controller = await coordinator
    .rollouts()
    .controllerLease()
    .then(
      (lease) => controllerJson(lease, now),
      () => undefined,
    );
  return { view: view({ change, controller }, renderRolloutChange), json: change, exitCode: ExitCode.Ok };
}
