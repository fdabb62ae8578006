import type { CliContext } from "../../../cli-context.js";
import { ContextStore } from "../../../contexts/context-store.js";
import { ExitCode } from "../../../exit-code.js";
import { styleFor } from "../../../render/style.js";
import { view, writeView } from "../../../write-output.js";

/** Options of {@link contextRemove}. */
export interface ContextRemoveOptions {
  readonly name: string;
}

/**
 * `twostep context remove <name>`: deletes a connection context's file
 * (even one that cannot be parsed); when it was the current one, no
 * context is current any more.
 */
export async function contextRemove(options: ContextRemoveOptions, context: CliContext): Promise<ExitCode> {
  const store = ContextStore.required(context.env);
  const wasCurrent = (await store.current()) === options.name;
  await store.remove(options.name);
  writeView(
    context.stdout,
    view({ name: options.name }, (safe, style) => [
      `removed connection context ${style.bold(safe.name)}`,
      ...(wasCurrent ? [style.dim("it was the current one: commands now connect by their flags, the environment and the defaults")] : []),
    ]),
    styleFor(context.stdout, context.env),
  );
  return ExitCode.Ok;
}
