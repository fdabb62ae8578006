import { isTwostepError } from "@twostep/core";
import type { CliContext } from "../../../cli-context.js";
import { flagOf, SERVERS_SETTING } from "../../../control-plane-backends.js";
import { ContextStore } from "../../../contexts/context-store.js";
import { ExitCode } from "../../../exit-code.js";
import { type ContextListEntryJson, type ContextListJson, contextListEntry } from "../../../json/context-json.js";
import { alignColumns } from "../../../render/align-columns.js";
import { styleFor } from "../../../render/style.js";
import { view, writeJson, writeView } from "../../../write-output.js";

/** Options of {@link contextList}. */
export interface ContextListOptions {
  readonly json?: boolean;
}

/**
 * `twostep context list [--json]`: every stored connection context, the
 * current one marked, with its server and description; one that cannot be
 * used is listed with why. Connects to nothing.
 */
export async function contextList(options: ContextListOptions, context: CliContext): Promise<ExitCode> {
  const store = ContextStore.required(context.env);
  const [names, current] = await Promise.all([store.names(), store.current()]);
  const contexts = await Promise.all(
    names.map(async (name): Promise<ContextListEntryJson> => {
      try {
        return contextListEntry({ name, file: await store.read(name) }, name === current);
      } catch (error) {
        if (!isTwostepError(error)) throw error;
        return { name, current: name === current, server: null, description: null, problem: error.message };
      }
    }),
  );
  const listed: ContextListJson = { current: current ?? null, contexts };
  if (options.json === true) {
    writeJson(context.stdout, listed);
    return ExitCode.Ok;
  }
  const add = `twostep context add NAME ${flagOf(SERVERS_SETTING)} URL`;
  writeView(
    context.stdout,
    view(listed, (safe, style) => [
      ...(safe.contexts.length === 0 ? [`no connection contexts: add one with ${add}`] : []),
      ...alignColumns(
        safe.contexts.map((entry) => [
          entry.current ? "*" : " ",
          { text: entry.name, paint: style.bold },
          entry.server ?? { text: "cannot be used", paint: style.red },
          entry.problem ?? entry.description ?? "",
        ]),
      ),
      ...(safe.current !== null && !safe.contexts.some((entry) => entry.name === safe.current)
        ? [style.red(`the current context ${safe.current} does not exist: pick another with twostep context use`)]
        : []),
    ]),
    styleFor(context.stdout, context.env),
  );
  return ExitCode.Ok;
}
