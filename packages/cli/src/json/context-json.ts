import { CONNECTION_SETTINGS, SERVERS_SETTING } from "../control-plane-backends.js";
import type { NamedContext } from "../contexts/context-file.js";

/** What a secret shows as. */
const MASKED = "********";

/** `twostep context show --json`: one connection context, its secrets masked. */
export interface ContextJson {
  readonly name: string;
  /** Whether it is the current context (`twostep context use`). */
  readonly current: boolean;
  /** Its file. */
  readonly path: string;
  readonly format: number;
  readonly description: string | null;
  /** The connection's settings by key, as in the file; secrets are {@link MASKED}. */
  readonly settings: Readonly<Record<string, string>>;
  /** Fields of a newer twostep: kept in the file, not shown. */
  readonly otherFields: readonly string[];
}

/** One context of `twostep context list --json`. */
export interface ContextListEntryJson {
  readonly name: string;
  readonly current: boolean;
  /** Its server URL(s), as given; null when it cannot be read. */
  readonly server: string | null;
  readonly description: string | null;
  /** Why it cannot be used (its file is not JSON, of a newer format...), or null. */
  readonly problem: string | null;
}

/** `twostep context list --json`. */
export interface ContextListJson {
  /** The name of the current context, or null; it may name no context (removed by hand). */
  readonly current: string | null;
  readonly contexts: readonly ContextListEntryJson[];
}

/** The JSON of a context, its secrets masked. */
export function contextJson(context: NamedContext, options: { current: boolean; path: string }): ContextJson {
  const known = new Set(["format", "description", ...CONNECTION_SETTINGS.map((setting) => setting.key)]);
  const settings = CONNECTION_SETTINGS.flatMap((setting) => {
    const value = context.file[setting.key];
    return typeof value === "string" ? [[setting.key, setting.kind === "secret" ? MASKED : value] as const] : [];
  });
  return {
    name: context.name,
    current: options.current,
    path: options.path,
    format: context.file.format,
    description: context.file.description ?? null,
    settings: Object.fromEntries(settings),
    otherFields: Object.keys(context.file).filter((field) => !known.has(field)),
  };
}

/** The list entry of a context. */
export function contextListEntry(context: NamedContext, current: boolean): ContextListEntryJson {
  const server = context.file[SERVERS_SETTING.key];
  return { name: context.name, current, server: typeof server === "string" ? server : null, description: context.file.description ?? null, problem: null };
}
