import { UsageError } from "../cli-errors.js";
import { CONTEXT_ENV } from "../connection-flags.js";
import type { NamedContext } from "./context-file.js";
import { ContextStore } from "./context-store.js";

/**
 * The context a command connects through: the one named by `--context`
 * (`flag`), else by `TWOSTEP_CONTEXT`, else the current one; undefined when
 * none is. A named context that is missing or unusable fails, never falls
 * back to the defaults.
 */
export async function selectedContext(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): Promise<NamedContext | undefined> {
  const variable = env[CONTEXT_ENV];
  const given =
    flag !== undefined
      ? { name: flag, how: "given with --context" }
      : variable !== undefined && variable !== ""
        ? { name: variable, how: `given with ${CONTEXT_ENV}` }
        : undefined;
  const store = ContextStore.of(env);
  if (store === undefined) {
    if (given === undefined) return undefined;
    throw new UsageError(`cannot find connection context ${given.name} (${given.how}): set XDG_CONFIG_HOME or HOME, where contexts live`);
  }
  const name = given?.name ?? (await store.current());
  if (name === undefined) return undefined;
  return { name, file: await store.read(name, given?.how ?? "the current context: pick another with twostep context use") };
}
