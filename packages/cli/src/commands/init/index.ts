import type { FleetStatus } from "@twostep/fleet";
import type { CliContext } from "../../cli-context.js";
import { ExitCode } from "../../exit-code.js";
import type { Style } from "../../render/style.js";
import { type MutationFlags, runMutation } from "../../run-mutation.js";
import { view } from "../../write-output.js";

/** Options of {@link init}. */
export type InitOptions = MutationFlags & {
  /** Who may write the records: release managers (`direct`, the default) or only the rollout controller. */
  readonly mode?: "direct" | "controller";
};

/** What `init` did. */
interface Initialized {
  readonly planeId: string;
  readonly created: boolean;
  readonly mode: "direct" | "controller";
}

/**
 * `twostep init`: sets up the control plane's identity (a random id and
 * epoch 1), which nodes remember so that a store lost or replaced later is
 * noticed. The first change does it too; `init` says plainly whether it
 * created the identity or found it. Refused while the store went backwards
 * (`twostep reconcile` then).
 */
export async function init(options: InitOptions, context: CliContext): Promise<ExitCode> {
  return runMutation(options, context, {
    command: "init",
    what: "set up the control plane",
    async preview(coordinator) {
      const { plane } = await coordinator.status();
      const mode = options.mode ?? plane.mode ?? "direct";
      const changes = plane.id === null || mode !== plane.mode;
      return {
        view: view({ plane, mode }, describeInit),
        json: { planeId: plane.id, epoch: plane.epoch, mode, exists: plane.id !== null },
        changes,
        refused: plane.regressed.length > 0,
      };
    },
    async commit(coordinator, author) {
      const result = await coordinator.init(author, options.mode === undefined ? {} : { mode: options.mode });
      return { view: view(result, describeInitialized), json: result, exitCode: ExitCode.Ok };
    },
  });
}

function describeInit({ plane, mode }: { plane: FleetStatus["plane"]; mode: "direct" | "controller" }, style: Style): string[] {
  if (plane.id !== null && mode === plane.mode)
    return [`the control plane exists already: id ${style.cyan(plane.id)}, epoch ${plane.epoch ?? "?"}, ${describeMode(mode)}`];
  const lines =
    plane.id === null
      ? [`${style.bold("Plan")}: set up the control plane: a new random id, epoch 1, ${describeMode(mode)}; nodes and coordinators follow it from then on`]
      : [`${style.bold("Plan")}: the control plane ${style.cyan(plane.id)} exists; from now on ${describeMode(mode)}`];
  if (plane.regressed.length === 0) return lines;
  return [
    ...lines,
    `  ${style.red("would be refused")}: nodes follow another control plane (its store was lost or replaced): run twostep reconcile instead`,
    ...plane.regressed.map((evidence) => `    - ${evidence}`),
  ];
}

function describeInitialized(result: Initialized, style: Style): string[] {
  if (!result.created) return [`${style.green("done")}: the control plane ${style.cyan(result.planeId)}: ${describeMode(result.mode)}`];
  return [`${style.green("done")}: created the control plane's identity: id ${style.cyan(result.planeId)}, epoch 1, ${describeMode(result.mode)}`];
}

function describeMode(mode: "direct" | "controller"): string {
  return mode === "controller" ? "changes only through the rollout controller (twostep controller)" : "release managers change it directly";
}
