import type { CliContext } from "../../cli-context.js";
import type { ConnectionFlags } from "../../connection-options.js";
import { ExitCode } from "../../exit-code.js";
import { renderHistory } from "../../render/history-view.js";
import { styleFor } from "../../render/style.js";
import { withCoordinator } from "../../with-coordinator.js";
import { writeJson, writeLines } from "../../write-output.js";

/** Options of {@link history}. */
export interface HistoryOptions extends ConnectionFlags {
  /** Only the entries of this capability. */
  readonly capability?: string;
  /** Only the last this many entries. */
  readonly limit?: number;
  readonly json?: boolean;
}

/** `twostep history [capability]`: who changed what, when and why, with revisions before→after; oldest first. */
export async function history(options: HistoryOptions, context: CliContext): Promise<ExitCode> {
  const entries = await withCoordinator(options, context, (coordinator) =>
    coordinator.history({
      ...(options.capability === undefined ? {} : { capability: options.capability }),
      ...(options.limit === undefined ? {} : { limit: options.limit }),
    }),
  );
  if (options.json === true) writeJson(context.stdout, { format: 1, entries });
  else writeLines(context.stdout, renderHistory(entries, styleFor(context.stdout, context.env)));
  return ExitCode.Ok;
}
