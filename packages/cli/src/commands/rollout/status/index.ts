import type { CliContext } from "../../../cli-context.js";
import type { ConnectionFlags } from "../../../connection-flags.js";
import { ExitCode } from "../../../exit-code.js";
import { controllerJson, type RolloutStatusJson, rolloutJson } from "../../../json/rollout-json.js";
import { renderRolloutStatus } from "../../../render/rollout-view.js";
import { styleFor } from "../../../render/style.js";
import { withCoordinator } from "../../../with-coordinator.js";
import { view, writeJson, writeView } from "../../../write-output.js";

/** Options of {@link rolloutStatus}. */
export interface RolloutStatusOptions extends ConnectionFlags {
  /** Show only the rollout of this capability. */
  readonly capability?: string;
  readonly json?: boolean;
}

/**
 * `twostep rollout status [capability]`: where each rollout stands (`step
 * 2 of 4: zone=us-east-1b, 10%, bake 14 min left, gates passing`), each
 * gate's last verdict and why, and who holds the controller lease until
 * when: with none acting, rollouts do not advance. Changes nothing. The
 * rollout of one capability that cannot be read is `RECORD_UNREADABLE`
 * (exit 1); of all, the unreadable ones are listed.
 */
export async function rolloutStatus(options: RolloutStatusOptions, context: CliContext): Promise<ExitCode> {
  const status = await withCoordinator(options, context, async (coordinator): Promise<RolloutStatusJson> => {
    const rollouts = coordinator.rollouts();
    const [listed, lease, at] = await Promise.all([
      options.capability === undefined
        ? rollouts.list()
        : rollouts.get(options.capability).then((one) => ({ rollouts: one === undefined ? [] : [one], unreadable: [] })),
      rollouts.controllerLease(),
      rollouts.serverTime(),
    ]);
    return {
      format: 1,
      at,
      controller: controllerJson(lease, at),
      rollouts: listed.rollouts.map((stored) => rolloutJson(stored.rollout, stored.revision, at)).sort((a, b) => a.capability.localeCompare(b.capability)),
      unreadable: listed.unreadable,
    };
  });
  if (options.json === true) writeJson(context.stdout, status);
  else {
    const only = options.capability === undefined ? {} : { capability: options.capability };
    writeView(
      context.stdout,
      view(status, (safe, style) => renderRolloutStatus(safe, { ...only, style })),
      styleFor(context.stdout, context.env),
    );
  }
  return ExitCode.Ok;
}
