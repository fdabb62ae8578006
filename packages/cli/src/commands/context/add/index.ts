import { resolve } from "node:path";
import type { CliContext } from "../../../cli-context.js";
import { UsageError } from "../../../cli-errors.js";
import type { SettingFlags } from "../../../connection-flags.js";
import { backendFor, unreadable } from "../../../connection-options.js";
import type { ConnectionSetting } from "../../../control-plane-backend.js";
import { CONNECTION_SETTINGS, flagOf, SERVERS_SETTING, splitServers } from "../../../control-plane-backends.js";
import { CONTEXT_FORMAT, type ContextFile } from "../../../contexts/context-file.js";
import { ContextStore } from "../../../contexts/context-store.js";
import { ExitCode } from "../../../exit-code.js";
import { styleFor } from "../../../render/style.js";
import { view, writeView } from "../../../write-output.js";

/** Options of {@link contextAdd}: the settings' flags, by key. */
export interface ContextAddOptions extends SettingFlags {
  readonly name: string;
  readonly description?: string;
}

/**
 * `twostep context add <name> [settings] [--description TEXT]`:
 * stores a named connection, or changes the settings given of the one of
 * that name (the others stay, and so do fields of a newer twostep). An empty
 * value removes a setting. A new context needs its server; every server's
 * scheme must be a backend's, and every file is checked to be readable and
 * stored by its absolute path. A context of a newer format, or one that
 * cannot be parsed, is refused: nothing is written.
 */
export async function contextAdd(options: ContextAddOptions, context: CliContext): Promise<ExitCode> {
  const store = ContextStore.required(context.env);
  const existing = await store.find(options.name);
  const fields: Record<string, string | undefined> = {};
  for (const setting of CONNECTION_SETTINGS) {
    const value = options[setting.key];
    if (value !== undefined) fields[setting.key] = value === "" ? undefined : await checked(setting, value, context.cwd);
  }
  if (options.description !== undefined) fields["description"] = options.description === "" ? undefined : options.description;
  const file: Record<string, unknown> = { ...(existing ?? { format: CONTEXT_FORMAT }) };
  for (const [field, value] of Object.entries(fields)) {
    if (value === undefined) delete file[field];
    else file[field] = value;
  }
  if (typeof file[SERVERS_SETTING.key] !== "string") {
    throw new UsageError(`a connection context needs its server: give ${flagOf(SERVERS_SETTING)} URL`);
  }
  await store.write(options.name, file as ContextFile);
  const shown = { name: options.name, path: store.path(options.name), verb: existing === undefined ? "added" : "updated" };
  writeView(
    context.stdout,
    view(shown, (safe, style) => [
      `${safe.verb} connection context ${style.bold(safe.name)} (${safe.path})`,
      style.dim(`use it with --context ${safe.name}, or make it the current one: twostep context use ${safe.name}`),
    ]),
    styleFor(context.stdout, context.env),
  );
  return ExitCode.Ok;
}

/** A setting's value as the context stores it: servers of a known backend, a readable file by its absolute path, anything else as given. */
async function checked(setting: ConnectionSetting, value: string, cwd: string): Promise<string> {
  if (setting.kind === "url") backendFor(splitServers(value));
  if (setting.kind !== "file") return value;
  const path = resolve(cwd, value);
  const why = await unreadable(path);
  if (why !== undefined) throw new UsageError(`cannot read ${path}, given with ${flagOf(setting)} (${why}): check the path`);
  return path;
}
