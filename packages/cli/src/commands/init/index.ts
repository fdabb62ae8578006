import type { FleetStatus } from "@twostep/fleet";
import type { CliContext } from "../../cli-context.js";
import { ExitCode } from "../../exit-code.js";
import type { Style } from "../../render/style.js";
import { type MutationFlags, runMutation } from "../../run-mutation.js";
import { view } from "../../write-output.js";

/** Options of {@link init}. */
export type InitOptions = MutationFlags;

/** What `init` did. */
interface Initialized {
  readonly planeId: string;
  readonly created: boolean;
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
      return {
        view: view(plane, describeInit),
        json: { planeId: plane.id, epoch: plane.epoch, exists: plane.id !== null },
        changes: plane.id === null,
        refused: plane.regressed.length > 0,
      };
    },
    async commit(coordinator, author) {
      const result = await coordinator.init(author);
      return { view: view(result, describeInitialized), json: result, exitCode: ExitCode.Ok };
    },
  });
}

function describeInit(plane: FleetStatus["plane"], style: Style): string[] {
  if (plane.id !== null) return [`the control plane exists already: id ${style.cyan(plane.id)}, epoch ${plane.epoch ?? "?"}`];
  const lines = [`${style.bold("Plan")}: set up the control plane: a new random id, epoch 1; nodes and coordinators follow it from then on`];
  if (plane.regressed.length === 0) return lines;
  return [
    ...lines,
    `  ${style.red("would be refused")}: nodes follow another control plane (its store was lost or replaced): run twostep reconcile instead`,
    ...plane.regressed.map((evidence) => `    - ${evidence}`),
  ];
}

function describeInitialized(result: Initialized, style: Style): string[] {
  if (!result.created) return [`the control plane exists already: id ${style.cyan(result.planeId)}; nothing changed`];
  return [`${style.green("done")}: created the control plane's identity: id ${style.cyan(result.planeId)}, epoch 1`];
}
