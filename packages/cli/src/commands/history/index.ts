import type { CliContext } from "../../cli-context.js";
import type { ConnectionFlags } from "../../connection-flags.js";
import { ExitCode } from "../../exit-code.js";
import { historyJson } from "../../json/history-json.js";
import { renderHistory } from "../../render/history-view.js";
import { styleFor } from "../../render/style.js";
import { withCoordinator } from "../../with-coordinator.js";
import { view, writeJson, writeView } from "../../write-output.js";

/** Options of {@link history}. */
export interface HistoryOptions extends ConnectionFlags {
  /** Only the entries of this capability. */
  readonly capability?: string;
  /** Only the last this many entries. */
  readonly limit?: number;
  readonly json?: boolean;
}

/**
 * `twostep history [capability]`: every change as recorded with it (intents,
 * withdrawals, refusals, decommissions, policy, init and reconcile), who,
 * when, why, with revisions before→after; oldest first. An entry that
 * cannot be read is shown with its problem, never left out.
 */
export async function history(options: HistoryOptions, context: CliContext): Promise<ExitCode> {
  const entries = await withCoordinator(options, context, (coordinator) =>
    coordinator.history({
      ...(options.capability === undefined ? {} : { capability: options.capability }),
      ...(options.limit === undefined ? {} : { limit: options.limit }),
    }),
  );
  if (options.json === true) writeJson(context.stdout, historyJson(entries));
  else writeView(context.stdout, view(entries, renderHistory), styleFor(context.stdout, context.env));
  return ExitCode.Ok;
}
