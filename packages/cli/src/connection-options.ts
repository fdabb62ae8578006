import { access, constants } from "node:fs/promises";
import type { ControlPlane } from "@twostep/fleet";
import { InvalidContextError, UsageError } from "./cli-errors.js";
import type { ConnectionFlags } from "./connection-flags.js";
import type { ConnectionSetting, ControlPlaneBackend } from "./control-plane-backend.js";
import {
  CONNECTION_SETTINGS,
  DEFAULT_BACKEND,
  flagOf,
  KNOWN_SCHEMES,
  REGISTERED_BACKENDS,
  SERVERS_SETTING,
  type Setting,
  splitServers,
} from "./control-plane-backends.js";
import type { NamedContext } from "./contexts/context-file.js";
import { selectedContext } from "./contexts/selected-context.js";

// A command's connection: resolved from its flags, the environment and the selected context, and opened.
// Loaded by the commands that connect; --help loads `connection-flags.ts` only.

/** The settings besides the servers, by key: what a context file holds and a backend reads. */
export type ConnectionSettings = { readonly [K in Exclude<Setting, { kind: "url" }>["key"]]?: string };

/** How to reach the control plane: the servers, whose URL scheme chooses the backend, and the backend's settings. */
export interface ConnectionOptions extends ConnectionSettings {
  readonly servers: readonly string[];
  /**
   * Create what the control plane needs on the server when it is missing:
   * true for commands that change the fleet (release-manager credentials),
   * false for reads, which must work with read-only credentials.
   */
  readonly create: boolean;
}

/** One setting's value and where it came from: its flag, its environment variable or the context. */
interface Resolved {
  readonly setting: ConnectionSetting;
  readonly value: string;
  readonly from: "flag" | "env" | "context";
}

/**
 * Resolves the connection: per setting, the flag wins over its environment
 * variable, which wins over the field of `context`; the servers default to
 * the first backend's. `create` says whether what is missing on the server
 * may be created (commands that change the fleet).
 */
export function connectionOptions(
  flags: ConnectionFlags,
  env: Readonly<Record<string, string | undefined>>,
  create: boolean,
  context?: NamedContext,
): ConnectionOptions {
  return optionsOf(resolve(flags, env, context), create);
}

/**
 * The connection of a command: {@link connectionOptions} with the selected
 * context (`--context`, else `TWOSTEP_CONTEXT`, else the current one), after
 * checking that every file it names can be read. Throws the context's
 * errors, `InvalidContextError` for a file a context names that cannot be
 * read, and `UsageError` for one a flag or variable names.
 */
export async function resolveConnection(
  flags: ConnectionFlags,
  env: Readonly<Record<string, string | undefined>>,
  create: boolean,
): Promise<ConnectionOptions> {
  const context = await selectedContext(flags.context, env);
  const resolved = resolve(flags, env, context);
  await Promise.all(resolved.filter(({ setting }) => setting.kind === "file").map((entry) => checkReadable(entry, context)));
  return optionsOf(resolved, create);
}

/** How `check --fleet URL` reaches the control plane at `url`: read-only, with the other settings of the environment. */
export function fleetUrlConnection(url: string, env: Readonly<Record<string, string | undefined>>): ConnectionOptions {
  return connectionOptions({ [SERVERS_SETTING.key]: url }, env, false);
}

/** Connects to the control plane of the backend the servers' scheme chooses; throws its `CONTROL_PLANE_UNREACHABLE`, `AUTHENTICATION_FAILED` or `PERMISSION_DENIED` errors. */
export async function connectControlPlane(options: ConnectionOptions): Promise<ControlPlane> {
  return backendFor(options.servers).connect(options);
}

/** The backend of `servers`; none, a scheme no backend serves, or servers of two backends, is a `UsageError` naming the known schemes. */
export function backendFor(servers: readonly string[]): ControlPlaneBackend {
  const chosen = new Set(
    servers.map((server) => {
      const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(server)?.[1]?.toLowerCase() ?? "";
      const backend = REGISTERED_BACKENDS.find((candidate) => candidate.schemes.includes(scheme));
      if (backend === undefined) throw new UsageError(`${server} is no control plane URL: give one that starts with ${KNOWN_SCHEMES}`);
      return backend;
    }),
  );
  const [backend, other] = chosen;
  if (backend === undefined) throw new UsageError(`no server given: give one with ${flagOf(SERVERS_SETTING)} (${KNOWN_SCHEMES})`);
  if (other !== undefined) throw new UsageError(`${servers.join(", ")} name servers of ${backend.name} and of ${other.name}: give one control plane's`);
  return backend;
}

function resolve(flags: ConnectionFlags, env: Readonly<Record<string, string | undefined>>, context: NamedContext | undefined): Resolved[] {
  return CONNECTION_SETTINGS.flatMap((setting): Resolved[] => {
    const flag = flags[setting.key];
    if (flag !== undefined) return [{ setting, value: flag, from: "flag" }];
    const variable = env[setting.env];
    if (variable !== undefined && variable !== "") return [{ setting, value: variable, from: "env" }];
    const field = context?.file[setting.key];
    return typeof field === "string" ? [{ setting, value: field, from: "context" }] : [];
  });
}

function optionsOf(resolved: readonly Resolved[], create: boolean): ConnectionOptions {
  const servers = resolved.find(({ setting }) => setting === SERVERS_SETTING)?.value ?? DEFAULT_BACKEND.defaultServer;
  const settings = resolved.filter(({ setting }) => setting !== SERVERS_SETTING).map(({ setting, value }) => [setting.key, value]);
  const options = { servers: splitServers(servers), create, ...Object.fromEntries(settings) };
  // A scheme no backend serves fails here, before connecting.
  backendFor(options.servers);
  return options;
}

/** Why the file at `path` cannot be read (its error code), or undefined when it can. */
export async function unreadable(path: string): Promise<string | undefined> {
  return access(path, constants.R_OK).then(
    () => undefined,
    (error: NodeJS.ErrnoException) => error.code ?? String(error),
  );
}

async function checkReadable({ setting, value, from }: Resolved, context: NamedContext | undefined): Promise<void> {
  const why = await unreadable(value);
  if (why === undefined) return;
  if (from === "context" && context !== undefined) {
    throw new InvalidContextError(
      context.name,
      `its ${setting.key} ${value} cannot be read (${why}): give the right file with twostep context add ${context.name} ${flagOf(setting)} FILE`,
    );
  }
  throw new UsageError(`cannot read ${value}, given with ${from === "flag" ? flagOf(setting) : setting.env} (${why}): check the path`);
}
