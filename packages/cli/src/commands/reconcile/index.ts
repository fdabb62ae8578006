import type { FleetStatus } from "@twostep/fleet";
import type { CliContext } from "../../cli-context.js";
import { ExitCode } from "../../exit-code.js";
import type { Style } from "../../render/style.js";
import { type MutationFlags, runMutation } from "../../run-mutation.js";
import { view } from "../../write-output.js";

/** Options of {@link reconcile}. */
export type ReconcileOptions = MutationFlags;

/** What `reconcile` did. */
interface Reconciled {
  readonly epoch: number;
  readonly records: readonly string[];
  readonly evidence: readonly string[];
}

/**
 * `twostep reconcile`: after the control plane's store went backwards (a
 * lost, recreated or restored store) or a record was damaged, shows the
 * evidence, asks, then rebuilds every write-level record from the store, its
 * history and the records nodes hold (keeping every level anyone wrote
 * required) and gives the control plane a new epoch, which nodes take as the
 * new truth. Says which records it rebuilt and the new epoch. With nothing
 * to reconcile it changes nothing.
 */
export async function reconcile(options: ReconcileOptions, context: CliContext): Promise<ExitCode> {
  return runMutation(options, context, {
    command: "reconcile",
    what: "reconcile the control plane",
    async preview(coordinator) {
      const { plane } = await coordinator.status();
      return {
        view: view(plane, describeReconcile),
        json: plane,
        changes: plane.regressed.length > 0 || plane.unreadable.length > 0,
        refused: false,
      };
    },
    async commit(coordinator, author) {
      const result = await coordinator.reconcile(author);
      return { view: view(result, describeReconciled), json: result, exitCode: ExitCode.Ok };
    },
  });
}

function describeReconcile(plane: FleetStatus["plane"], style: Style): string[] {
  const which = plane.id === null ? "the control plane (it has no identity record)" : `control plane ${plane.id} (epoch ${plane.epoch ?? "?"})`;
  if (plane.regressed.length === 0 && plane.unreadable.length === 0) {
    return [`nothing to reconcile in ${which}: its store has not gone backwards and every record can be read`];
  }
  const lines = [`${style.bold("Plan")}: reconcile ${which}`];
  if (plane.regressed.length > 0) lines.push(`  ${style.red("the store went backwards")}:`, ...plane.regressed.map((evidence) => `    - ${evidence}`));
  if (plane.unreadable.length > 0) lines.push(`  ${style.red("records that cannot be read")}:`, ...plane.unreadable.map((problem) => `    - ${problem}`));
  return [
    ...lines,
    "  would rebuild every write-level record from the store, its history and the records nodes hold (every level anyone wrote stays required),",
    `  and move the control plane to a new epoch${plane.epoch === null ? "" : ` (above ${plane.epoch})`}, which nodes take as the new truth`,
  ];
}

function describeReconciled(result: Reconciled, style: Style): string[] {
  const count = result.records.length;
  return [
    `${style.green("done")}: the control plane is at epoch ${result.epoch} now`,
    `  rebuilt ${count} record${count === 1 ? "" : "s"}${count === 0 ? "" : `: ${result.records.join(", ")}`}`,
    ...(result.evidence.length === 0 ? [] : ["  from the evidence:", ...result.evidence.map((evidence) => `    - ${evidence}`)]),
  ];
}
