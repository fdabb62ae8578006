import type { CliContext } from "../../../cli-context.js";
import { UsageError } from "../../../cli-errors.js";
import { ContextStore } from "../../../contexts/context-store.js";
import { selectedContext } from "../../../contexts/selected-context.js";
import { ExitCode } from "../../../exit-code.js";
import { contextJson } from "../../../json/context-json.js";
import { alignColumns } from "../../../render/align-columns.js";
import { styleFor } from "../../../render/style.js";
import { view, writeJson, writeView } from "../../../write-output.js";

/** Options of {@link contextShow}. */
export interface ContextShowOptions {
  /** The context; defaults to the one `TWOSTEP_CONTEXT` names, else the current one. */
  readonly name?: string;
  readonly json?: boolean;
}

/**
 * `twostep context show [name] [--json]`: a connection context's settings,
 * secrets masked, its description and file, and the names of fields a newer
 * twostep added (kept, not shown). Connects to nothing.
 */
export async function contextShow(options: ContextShowOptions, context: CliContext): Promise<ExitCode> {
  const store = ContextStore.required(context.env);
  const shown = options.name === undefined ? await selectedContext(undefined, context.env) : { name: options.name, file: await store.read(options.name) };
  if (shown === undefined) throw new UsageError("no connection context is current: name one (twostep context list shows them)");
  const json = contextJson(shown, { current: (await store.current()) === shown.name, path: store.path(shown.name) });
  if (options.json === true) {
    writeJson(context.stdout, json);
    return ExitCode.Ok;
  }
  writeView(
    context.stdout,
    view(json, (safe, style) => [
      `connection context ${style.bold(safe.name)}${safe.current ? " (current)" : ""}`,
      ...alignColumns(
        [
          ...(safe.description === null ? [] : [["description", safe.description]]),
          ...Object.entries(safe.settings),
          ["file", safe.path],
          ...(safe.otherFields.length === 0 ? [] : [["kept", `${safe.otherFields.join(", ")} (fields of a newer twostep)`]]),
        ],
        "  ",
      ),
    ]),
    styleFor(context.stdout, context.env),
  );
  return ExitCode.Ok;
}
