import type { CliContext } from "../../../cli-context.js";
import { SERVERS_SETTING } from "../../../control-plane-backends.js";
import { ContextStore } from "../../../contexts/context-store.js";
import { ExitCode } from "../../../exit-code.js";
import { styleFor } from "../../../render/style.js";
import { view, writeView } from "../../../write-output.js";

/** Options of {@link contextUse}. */
export interface ContextUseOptions {
  readonly name: string;
}

/**
 * `twostep context use <name>`: makes a connection context the current
 * one, which commands connect through when neither `--context` nor
 * `TWOSTEP_CONTEXT` names one. The context must exist and be readable.
 */
export async function contextUse(options: ContextUseOptions, context: CliContext): Promise<ExitCode> {
  const store = ContextStore.required(context.env);
  const file = await store.read(options.name);
  await store.use(options.name);
  writeView(
    context.stdout,
    view({ name: options.name, server: String(file[SERVERS_SETTING.key]) }, (safe, style) => [
      `current connection context: ${style.bold(safe.name)} (${safe.server})`,
    ]),
    styleFor(context.stdout, context.env),
  );
  return ExitCode.Ok;
}
